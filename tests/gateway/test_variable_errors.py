"""Variable errors carry graphql-js 16's wording, checked against graphql-js itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import OperationDefinitionNode, build_schema, parse
from graphql.execution.values import get_variable_values

from router.gateway.js_inspect import js_inspect, js_number
from router.gateway.variable_errors import MAX_ERRORS, TOO_MANY_ERRORS, variable_errors
from tests.conftest import REQUIRE_NODE, require

NODE_DIR = Path(__file__).resolve().parent.parent / "node"

SDL = """
enum Genre { FICTION SCIENCE HISTORY }
scalar Date
input Range { from: Int! to: Int = 10 }
input Filter {
  text: String
  genres: [Genre!]
  range: Range
  tags: [[String]]
  ids: [ID!]
  ratio: Float
  exact: Boolean
  since: Date
}
input Pick @oneOf { byId: ID byName: String }
type Query { search(filter: Filter, pick: Pick, n: Int, s: String!, l: [Int!]): Int }
"""
QUERY = """
query Search($filter: Filter!, $pick: Pick, $n: Int, $s: String!, $l: [Int!], $d: Int! = 3) {
  search(filter: $filter, pick: $pick, n: $n, s: $s, l: $l)
}
"""
VALID: dict[str, Any] = {"filter": {}, "s": "x"}

CASES: list[dict[str, Any]] = [
    {},
    {"filter": None, "s": None},
    VALID,
    {**VALID, "n": "three"},
    {**VALID, "n": 3.0},
    {**VALID, "n": 3.5},
    {**VALID, "n": 2**31},
    {**VALID, "n": True},
    {**VALID, "n": [1, 2]},
    {**VALID, "s": 7},
    {**VALID, "s": {"a": {"b": {"c": 1}}}},
    {**VALID, "l": 4},
    {**VALID, "l": [1, None, "x"]},
    {**VALID, "l": list(range(13))},
    {**VALID, "l": ["a", *range(11)]},
    {**VALID, "filter": {"genre": ["FICTION"]}},
    {**VALID, "filter": {"onSale": True, "textt": "x"}},
    {**VALID, "filter": {"genres": ["FICTION", "POETRY", "SCIENC", 4]}},
    {**VALID, "filter": {"genres": "HISTORY", "range": {}}},
    {**VALID, "filter": {"range": {"from": None, "to": "ten"}}},
    {**VALID, "filter": {"range": [1, 2]}},
    {**VALID, "filter": {"range": "wide"}},
    {**VALID, "filter": {"tags": [["a", 1], "b", [[2]]]}},
    {**VALID, "filter": {"ids": [1, "2", 3.5, 1e21, False]}},
    {**VALID, "filter": {"ratio": "1.5", "exact": "yes"}},
    {**VALID, "filter": {"ratio": 1e-7, "exact": 0, "since": {"any": "thing"}}},
    {**VALID, "filter": [{"text": "x"}]},
    {**VALID, "filter": "text"},
    {**VALID, "pick": {}},
    {**VALID, "pick": {"byId": "1", "byName": "x"}},
    {**VALID, "pick": {"byId": None}},
    {**VALID, "pick": {"byName": "x"}},
    {**VALID, "d": None},
    {"filter": {"text": 1, "ratio": "x", "range": {"from": "y"}}, "n": "z", "s": 0, "l": [None]},
]


def _ours(variables: dict[str, Any]) -> list[str]:
    schema = build_schema(SDL)
    operation = parse(QUERY).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    definitions = operation.variable_definitions or ()
    errors = variable_errors(schema, definitions, variables)
    coerced = get_variable_values(schema, definitions, variables)
    # graphql-core's coercion decides; the wording only explains its failures
    assert bool(errors) == isinstance(coerced, list), (variables, errors, coerced)
    return [error.message for error in errors]


def _graphql_js(cases: list[dict[str, Any]]) -> list[list[str]]:
    completed = subprocess.run(
        ["node", str(NODE_DIR / "coerce-variables.mjs")],
        input=orjson.dumps(
            {"schema": SDL, "cases": [{"query": QUERY, "variables": v} for v in cases]}
        ),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=60,
        check=True,
    )
    messages: list[list[str]] = orjson.loads(completed.stdout)
    return messages


def _node_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (NODE_DIR / "node_modules" / "graphql").is_dir():
        return f"graphql is not installed in {NODE_DIR}"
    return None


def test_messages_match_graphql_js() -> None:
    require(REQUIRE_NODE, _node_unavailable())
    expected = _graphql_js(CASES)
    for variables, messages in zip(CASES, expected, strict=True):
        assert _ours(variables) == messages, variables


def test_missing_null_and_invalid_values() -> None:
    assert _ours({"s": "x"}) == ['Variable "$filter" of required type "Filter!" was not provided.']
    assert _ours({"filter": {}, "s": None}) == [
        'Variable "$s" of non-null type "String!" must not be null.'
    ]
    assert _ours({**VALID, "filter": {"range": {"to": 1}, "onSale": True}}) == [
        'Variable "$filter" got invalid value { to: 1 } at "filter.range";'
        ' Field "from" of required type "Int!" was not provided.',
        'Variable "$filter" got invalid value { range: { to: 1 }, onSale: true };'
        ' Field "onSale" is not defined by type "Filter".',
    ]
    assert _ours({**VALID, "filter": {"genres": ["FICTON"]}}) == [
        'Variable "$filter" got invalid value "FICTON" at "filter.genres[0]";'
        ' Value "FICTON" does not exist in "Genre" enum. Did you mean the enum value "FICTION"?'
    ]


def test_error_limit() -> None:
    errors = _ours({**VALID, "l": ["x"] * (MAX_ERRORS + 5)})
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == TOO_MANY_ERRORS


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (None, "null"),
        (True, "true"),
        ('a"b\n', '"a\\"b\\n"'),
        (3, "3"),
        (3.0, "3"),
        (-0.5, "-0.5"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (123456789012.5, "123456789012.5"),
        (10**22, "1e+22"),
        ([], "[]"),
        ({}, "{}"),
        ({"a": [1, {"b": {"c": 1}}]}, "{ a: [1, [Object]] }"),
        ([[[1]]], "[[[Array]]]"),
        (list(range(12)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... 2 more items]"),
        (list(range(11)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... 1 more item]"),
    ],
)
def test_values_print_as_graphql_js_prints_them(value: Any, printed: str) -> None:
    assert js_inspect(value) == printed


def test_numbers_print_as_javascript_prints_them() -> None:
    assert [js_number(n) for n in (0, 0.0, 100.0, 1e16, 2.5e-6, 1e-6)] == [
        "0",
        "0",
        "100",
        "10000000000000000",
        "0.0000025",
        "0.000001",
    ]
