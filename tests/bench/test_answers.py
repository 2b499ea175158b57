"""The harness's answer check: a correct answer passes, a wrong one is named by its path."""

from __future__ import annotations

import orjson

from bench.answers import check_answer, normalise
from bench.workload import EXPECTED_PATH

EXPECTED = EXPECTED_PATH.read_bytes()


def edited(change: str) -> bytes:
    """``expected.json`` with one change made to its parsed value."""
    answer = orjson.loads(EXPECTED)
    product = answer["data"]["topProducts"][1]
    if change == "value":
        product["reviews"][0]["author"]["name"] = "Someone Else"
    elif change == "order":
        product["name"] = product.pop("name")  # the same fields, "name" moved to the end
    elif change == "missing item":
        product["reviews"].pop()
    return orjson.dumps(answer)


def test_the_expected_answer_is_correct() -> None:
    check = check_answer(EXPECTED, 200, EXPECTED)
    assert check.correct
    assert check.detail == "equal to expected.json"


def test_formatting_does_not_matter() -> None:
    pretty = orjson.dumps(orjson.loads(EXPECTED), option=orjson.OPT_INDENT_2)
    assert pretty != EXPECTED
    assert check_answer(EXPECTED, 200, pretty).correct
    assert normalise(pretty) == normalise(EXPECTED)


def test_a_changed_value_is_named_by_its_path() -> None:
    check = check_answer(EXPECTED, 200, edited("value"))
    assert not check.correct
    assert check.detail.startswith("$.data.topProducts[1].reviews[0].author.name: ")
    assert '"Someone Else"' in check.detail


def test_key_order_is_part_of_the_answer() -> None:
    check = check_answer(EXPECTED, 200, edited("order"))
    assert not check.correct
    assert check.detail.startswith("$.data.topProducts[1]: keys in another order")


def test_a_missing_list_item_is_counted() -> None:
    check = check_answer(EXPECTED, 200, edited("missing item"))
    assert not check.correct
    assert check.detail.startswith("$.data.topProducts[1].reviews: ")
    assert "items (expected" in check.detail


def test_an_http_error_or_non_json_is_wrong() -> None:
    failed = check_answer(EXPECTED, 500, b"Internal Server Error")
    assert not failed.correct
    assert failed.detail == "HTTP 500: Internal Server Error"
    garbage = check_answer(EXPECTED, 200, b"<html>")
    assert not garbage.correct
    assert garbage.detail.startswith("response is not JSON")
