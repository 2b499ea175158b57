"""Variable coercion at the gateway's door: values a client can send in a JSON body."""

from __future__ import annotations

import orjson
from graphql import OperationDefinitionNode, build_schema, parse

from router.gateway.prepared import PreparedOperation
from router.gateway.variables import coerce_variables

SCHEMA = build_schema("input Node { next: Node n: Int } type Query { walk(from: Node): Int }")


def prepared(query: str) -> PreparedOperation:
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return PreparedOperation(variable_definitions=tuple(operation.variable_definitions))


def test_deeply_nested_input_is_a_variable_error_not_a_crash() -> None:
    nested = "1"
    for _ in range(900):  # within what a JSON parser accepts (orjson: 1024 levels)
        nested = '{"next":' + nested + "}"
    provided = orjson.loads('{"from":' + nested + "}")
    result = coerce_variables(
        SCHEMA, prepared("query($from: Node) { walk(from: $from) }"), provided
    )
    assert result == [
        {
            "message": "Variable values are nested too deeply.",
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


def test_nested_input_within_limits_is_coerced() -> None:
    result = coerce_variables(
        SCHEMA,
        prepared("query($from: Node) { walk(from: $from) }"),
        {"from": {"next": {"next": {"n": 3}}}},
    )
    assert result == {"from": {"next": {"next": {"n": 3}}}}
