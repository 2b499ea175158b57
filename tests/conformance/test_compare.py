"""Response comparison for conformance: exact data, normalised errors."""

from __future__ import annotations

import pytest

from .compare import assert_conforms, normalise_message, response_differences


def test_ports_and_durations_are_normalised() -> None:
    assert normalise_message(
        "request to http://127.0.0.1:51845/graphql failed, reason: connect ECONNREFUSED "
        "127.0.0.1:51845 after 500ms"
    ) == (
        "request to http://127.0.0.1:PORT/graphql failed, reason: connect ECONNREFUSED "
        "127.0.0.1:PORT after DURATION"
    )


def test_errors_compare_by_message_path_and_code_only() -> None:
    expected = {
        "data": {"a": None},
        "errors": [
            {
                "message": "network timeout at: http://127.0.0.1:1111/graphql",
                "path": ["a"],
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "X", "serviceName": "s"},
            }
        ],
    }
    actual = {
        "data": {"a": None},
        "errors": [
            {
                "message": "network timeout at: http://127.0.0.1:2222/graphql",
                "path": ["a"],
                "extensions": {"code": "X"},
            }
        ],
    }
    assert_conforms(actual, expected)


@pytest.mark.parametrize(
    "actual",
    [
        {"data": {"a": 2}},
        {"data": {"a": 1}, "errors": [{"message": "extra"}]},
        {"errors": []},
        {"data": {"a": 1, "b": None}},
    ],
)
def test_differences_are_reported(actual: dict[str, object]) -> None:
    assert response_differences(actual, {"data": {"a": 1}}) != []
    with pytest.raises(AssertionError):
        assert_conforms(actual, {"data": {"a": 1}})


def test_value_completion_errors_count_as_errors() -> None:
    error = {"message": "Cannot return null for non-nullable field T.f.", "path": ["t", "f"]}
    recorded = {
        "data": {"t": None},
        "extensions": {"valueCompletion": [{**error, "extensions": {"code": "INVALID_GRAPHQL"}}]},
    }
    assert_conforms(
        {"data": {"t": None}, "errors": [{**error, "extensions": {"code": "INVALID_GRAPHQL"}}]},
        recorded,
    )
    assert response_differences({"data": {"t": None}}, recorded) != []


def test_error_order_does_not_matter() -> None:
    first = {"message": "a failed", "path": ["a"], "extensions": {"code": "X"}}
    second = {"message": "b failed", "path": ["b"], "extensions": {"code": "Y"}}
    assert_conforms(
        {"data": None, "errors": [second, first]}, {"data": None, "errors": [first, second]}
    )
    assert response_differences(
        {"data": None, "errors": [first]}, {"data": None, "errors": [first, first]}
    )


def test_data_in_another_key_order_does_not_conform() -> None:
    expected = {"data": {"a": 1, "b": {"c": 2, "d": 3}}}
    assert response_differences({"data": {"a": 1, "b": {"c": 2, "d": 3}}}, expected) == []
    assert response_differences({"data": {"b": {"c": 2, "d": 3}, "a": 1}}, expected)
    assert response_differences({"data": {"a": 1, "b": {"d": 3, "c": 2}}}, expected)
    assert response_differences(
        {"data": {"l": [{"y": 1, "x": 2}]}}, {"data": {"l": [{"x": 2, "y": 1}]}}
    )
