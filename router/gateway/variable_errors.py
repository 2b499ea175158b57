"""Why client variables cannot be coerced, worded as graphql-js 16 words it.

@apollo/gateway and the clients written against it see graphql-js 16 messages such as
``Variable "$upc" of required type "String!" was not provided.``; graphql-core words the same
problems differently. Coercion itself stays with graphql-core: these functions only run once it
has failed, walk the input the way graphql-js does and describe every problem found.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    VariableDefinitionNode,
    is_input_type,
    type_from_ast,
)
from graphql.pyutils import Undefined, suggestion_list

from router.gateway.js_inspect import js_inspect, js_number

MAX_ERRORS = 50  # graphql-js stops coercing variables after this many errors
TOO_MANY_ERRORS = "Too many errors processing variables, error limit reached. Execution aborted."

InputPath = tuple[str | int, ...]
# (path inside the variable, the value found there, what is wrong with it)
InputProblem = tuple[InputPath, Any, str]

_MIN_INT = -(2**31)
_MAX_INT = 2**31 - 1


def variable_errors(
    schema: GraphQLSchema,
    definitions: Collection[VariableDefinitionNode],
    provided: dict[str, Any],
) -> list[GraphQLError]:
    """Every problem with ``provided`` against ``definitions`` (empty when none is found)."""
    errors: list[GraphQLError] = []
    for definition in definitions:
        for message in _variable_problems(schema, definition, provided):
            if len(errors) >= MAX_ERRORS:
                errors.append(GraphQLError(TOO_MANY_ERRORS))
                return errors
            errors.append(GraphQLError(message, definition))
    return errors


def _variable_problems(
    schema: GraphQLSchema, definition: VariableDefinitionNode, provided: dict[str, Any]
) -> Iterator[str]:
    name = definition.variable.name.value
    type_ = type_from_ast(schema, definition.type)
    if type_ is None or not is_input_type(type_):
        return  # reported by validation already
    if name not in provided:
        if definition.default_value is None and isinstance(type_, GraphQLNonNull):
            yield f'Variable "${name}" of required type "{type_}" was not provided.'
        return
    value = provided[name]
    if value is None and isinstance(type_, GraphQLNonNull):
        yield f'Variable "${name}" of non-null type "{type_}" must not be null.'
        return
    for path, invalid, problem in input_problems(value, type_):
        at = f' at "{name}{_print_path(path)}"' if path else ""
        yield f'Variable "${name}" got invalid value {js_inspect(invalid)}{at}; {problem}'


def input_problems(
    value: Any, type_: GraphQLInputType, path: InputPath = ()
) -> Iterator[InputProblem]:
    """What is wrong with ``value`` as an input of ``type_``, where, in graphql-js's words."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            yield path, value, f'Expected non-nullable type "{type_}" not to be null.'
            return
        type_ = type_.of_type
    if value is None:
        return
    if isinstance(type_, GraphQLList):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from input_problems(item, type_.of_type, (*path, index))
        else:
            yield from input_problems(value, type_.of_type, path)
    elif isinstance(type_, GraphQLInputObjectType):
        yield from _object_problems(value, type_, path)
    elif isinstance(type_, GraphQLEnumType):
        problem = _enum_problem(value, type_)
        if problem is not None:
            yield path, value, problem
    else:
        assert isinstance(type_, GraphQLScalarType)
        problem = scalar_problem(value, type_)
        if problem is not None:
            yield path, value, problem


def _object_problems(
    value: Any, type_: GraphQLInputObjectType, path: InputPath
) -> Iterator[InputProblem]:
    if not isinstance(value, dict):
        yield path, value, f'Expected type "{type_.name}" to be an object.'
        return
    fields = type_.fields
    given: list[str] = []
    for field_name, field in fields.items():
        if field_name not in value:
            has_default = field.default_value is not Undefined or field.default is not None
            if has_default:
                given.append(field_name)
            elif isinstance(field.type, GraphQLNonNull):
                yield (
                    path,
                    value,
                    f'Field "{field_name}" of required type "{field.type}" was not provided.',
                )
            continue
        given.append(field_name)
        yield from input_problems(value[field_name], field.type, (*path, field_name))
    for key in value:
        if key not in fields:
            suggestions = _did_you_mean(suggestion_list(key, list(fields)))
            yield path, value, f'Field "{key}" is not defined by type "{type_.name}".{suggestions}'
    if getattr(type_, "is_one_of", False):
        if len(given) != 1:
            yield path, value, f'Exactly one key must be specified for OneOf type "{type_.name}".'
        elif value.get(given[0], Undefined) is None:
            yield (*path, given[0]), None, f'Field "{given[0]}" must be non-null.'


def _enum_problem(value: Any, type_: GraphQLEnumType) -> str | None:
    if not isinstance(value, str):
        shown = js_inspect(value)
        suggestions = _did_you_mean(suggestion_list(shown, list(type_.values)), "the enum value")
        return f'Enum "{type_.name}" cannot represent non-string value: {shown}.{suggestions}'
    if value in type_.values:
        return None
    suggestions = _did_you_mean(suggestion_list(value, list(type_.values)), "the enum value")
    return f'Value "{value}" does not exist in "{type_.name}" enum.{suggestions}'


def scalar_problem(value: Any, type_: GraphQLScalarType) -> str | None:
    """Why ``value`` is no ``type_``: JavaScript's rules for the built-in scalars."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    name = type_.name
    if name == "Int":
        if not is_number or (isinstance(value, float) and not value.is_integer()):
            return f"Int cannot represent non-integer value: {js_inspect(value)}"
        if not _MIN_INT <= value <= _MAX_INT:
            return f"Int cannot represent non 32-bit signed integer value: {js_number(value)}"
        return None
    if name == "Float":
        if not is_number or value in (float("inf"), float("-inf")) or value != value:
            return f"Float cannot represent non numeric value: {js_inspect(value)}"
        return None
    if name == "String":
        if isinstance(value, str):
            return None
        return f"String cannot represent a non string value: {js_inspect(value)}"
    if name == "Boolean":
        if isinstance(value, bool):
            return None
        return f"Boolean cannot represent a non boolean value: {js_inspect(value)}"
    if name == "ID":
        integral = is_number and (isinstance(value, int) or value.is_integer())
        if isinstance(value, str) or integral:
            return None
        return f"ID cannot represent value: {js_inspect(value)}"
    return _custom_scalar_problem(value, type_)


def _custom_scalar_problem(value: Any, type_: GraphQLScalarType) -> str | None:
    try:
        parsed = type_.parse_value(value)
    except GraphQLError as error:
        return error.message
    except Exception as error:  # a custom scalar's own parser rejected the value
        return f'Expected type "{type_.name}". {error}'
    if parsed is Undefined:
        return f'Expected type "{type_.name}".'
    return None


def _did_you_mean(suggestions: list[str], sub_message: str | None = None) -> str:
    if not suggestions:
        return ""
    message = " Did you mean " + (f"{sub_message} " if sub_message else "")
    quoted = [f'"{suggestion}"' for suggestion in suggestions[:5]]
    if len(quoted) == 1:
        return f"{message}{quoted[0]}?"
    if len(quoted) == 2:
        return f"{message}{quoted[0]} or {quoted[1]}?"
    return f"{message}{', '.join(quoted[:-1])}, or {quoted[-1]}?"


def _print_path(path: InputPath) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
