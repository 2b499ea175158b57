"""Client variables: coerced and validated against the operation's definitions."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema
from graphql.execution.values import get_variable_values

from router.gateway.errors import BAD_USER_INPUT, from_graphql_error, request_error
from router.gateway.prepared import PreparedOperation
from router.gateway.variable_errors import variable_errors


def coerce_variables(
    schema: GraphQLSchema, prepared: PreparedOperation, provided: object
) -> dict[str, Any] | list[dict[str, Any]]:
    """The coerced variable values, or the errors (each naming the variable and the path)."""
    if provided is None:
        provided = {}
    if not isinstance(provided, dict):
        return [request_error("Variables must be provided as a JSON object.", BAD_USER_INPUT)]
    if not prepared.variable_definitions:
        return {}
    try:
        coerced = get_variable_values(schema, prepared.variable_definitions, provided)
        if isinstance(coerced, list):
            # worded as graphql-js 16 words them; graphql-core's own errors only if that walk
            # found nothing to say
            errors = variable_errors(schema, prepared.variable_definitions, provided) or coerced
            return [from_graphql_error(error, BAD_USER_INPUT) for error in errors]
    except RecursionError:  # input objects nested deeper than coercion can walk
        return [request_error("Variable values are nested too deeply.", BAD_USER_INPUT)]
    # graphql-core 3.3 returns VariableValues(sources, coerced); 3.2 the plain dict
    values: Any = getattr(coerced, "coerced", coerced)
    return dict(values)
