"""The check every publish goes through: composition with the other subgraphs, the schema
changes against the current supergraph, and the recorded client operations each breaking
change would break."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from router.check.diff import SchemaChange, Severity, diff_schemas
from router.compose import CompositionError, SubgraphSource, compose
from router.supergraph import SupergraphError, read_supergraph

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_DOTTED = re.compile(rf"@?{_NAME}\.{_NAME}(?:\({_NAME}:\))?")
_DIRECTIVE = re.compile(rf"@{_NAME}(?:\({_NAME}:\))?")
_WORD = re.compile(_NAME)
_NOT_A_NAME = {"Field", "Argument", "Enum", "Directive", "Standard", "scalar", "A", "An"}


def change_coordinate(message: str) -> str:
    """The schema coordinate a change message is about: ``Product.weight``,
    ``Query.products(search:)``, ``Color.RED``, ``Product`` or ``@tag``."""
    dotted = _DOTTED.search(message)
    if dotted is not None:
        return dotted.group(0)
    directive = _DIRECTIVE.search(message)
    if directive is not None:
        return directive.group(0)
    for word in _WORD.findall(message):
        if word not in _NOT_A_NAME:
            return str(word)
    return ""


def coordinate_used_by(
    coordinate: str, used: Sequence[str], through: frozenset[str] = frozenset()
) -> bool:
    """Whether an operation using the coordinates ``used`` (``Type.field``) touches
    ``coordinate``: the field itself, one of its arguments, any field of a type, or one of the
    fields ``through`` which the coordinate is reached (see :func:`fields_reaching`)."""
    if not coordinate or coordinate.startswith("@"):
        return False
    if through and any(entry in through for entry in used):
        return True
    target = coordinate.split("(", 1)[0]
    if "." in target:
        return target in used
    prefix = f"{target}."
    return any(entry == target or entry.startswith(prefix) for entry in used)


def fields_reaching(schema: GraphQLSchema, coordinate: str) -> frozenset[str]:
    """The output fields (``Type.field``) through which an operation meets the enum, input
    type or scalar named by ``coordinate`` (``Status``, ``Status.SHIPPED``,
    ``CreateProductInput.weight``): fields returning it, and fields with an argument of it,
    directly or inside input objects."""
    type_name = coordinate.split("(", 1)[0].split(".", 1)[0]
    named = schema.type_map.get(type_name)
    if not isinstance(named, GraphQLEnumType | GraphQLInputObjectType | GraphQLScalarType):
        return frozenset()
    inputs = {type_name}
    grew = True
    while grew:  # input objects holding the type, transitively
        grew = False
        for candidate in schema.type_map.values():
            if (
                isinstance(candidate, GraphQLInputObjectType)
                and candidate.name not in inputs
                and any(get_named_type(f.type).name in inputs for f in candidate.fields.values())
            ):
                inputs.add(candidate.name)
                grew = True
    found: set[str] = set()
    for owner in schema.type_map.values():
        if owner.name.startswith("__") or not isinstance(
            owner, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, field_definition in owner.fields.items():
            returned = get_named_type(field_definition.type).name
            arguments = {get_named_type(a.type).name for a in field_definition.args.values()}
            if returned == type_name or arguments & inputs:
                found.add(f"{owner.name}.{field_name}")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class RecordedOperation:
    hash: str
    name: str | None
    count: int  # within the usage window
    last_seen: str  # ISO 8601
    coordinates: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "name": self.name,
            "count": self.count,
            "last_seen": self.last_seen,
        }


@dataclass(slots=True)
class BreakingChange:
    code: str
    coordinate: str
    message: str
    operations: list[RecordedOperation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "coordinate": self.coordinate,
            "message": self.message,
            "operations": [operation.as_dict() for operation in self.operations],
        }


@dataclass(slots=True)
class CheckResult:
    subgraph: str
    composition_errors: list[CompositionError] = field(default_factory=list)
    breaking_changes: list[BreakingChange] = field(default_factory=list)
    other_changes: list[SchemaChange] = field(default_factory=list)  # dangerous and safe
    supergraph_sdl: str | None = None
    reject_unused_breaking_changes: bool = False
    initial: bool = False  # no supergraph before this one

    @property
    def blocking_changes(self) -> list[BreakingChange]:
        if self.reject_unused_breaking_changes:
            return list(self.breaking_changes)
        return [change for change in self.breaking_changes if change.operations]

    @property
    def accepted(self) -> bool:
        return not self.composition_errors and not self.blocking_changes

    def summary(self) -> str:
        if self.composition_errors:
            return f"{len(self.composition_errors)} composition error(s)"
        if self.initial:
            return "first supergraph"
        parts = []
        if self.breaking_changes:
            used = len([c for c in self.breaking_changes if c.operations])
            parts.append(f"{len(self.breaking_changes)} breaking ({used} used)")
        kinds = {Severity.DANGEROUS: "dangerous", Severity.SAFE: "safe"}
        for severity, label in kinds.items():
            count = len([c for c in self.other_changes if c.severity is severity])
            if count:
                parts.append(f"{count} {label}")
        return ", ".join(parts) or "no API change"

    def as_dict(self) -> dict[str, Any]:
        return {
            "subgraph": self.subgraph,
            "accepted": self.accepted,
            "summary": self.summary(),
            "composition_errors": [
                {
                    "code": error.code,
                    "message": error.message,
                    "subgraph": error.subgraph,
                    "locations": (
                        [{"line": error.line, "column": error.column or 1}]
                        if error.line is not None
                        else []
                    ),
                }
                for error in self.composition_errors
            ],
            "breaking_changes": [change.as_dict() for change in self.breaking_changes],
            "changes": [change.as_dict() for change in self.other_changes],
        }


def check_publish(
    subgraph: str,
    sources: Sequence[SubgraphSource],
    current_supergraph_sdl: str | None,
    operations: Sequence[RecordedOperation],
    *,
    reject_unused_breaking_changes: bool = False,
) -> CheckResult:
    """Compose ``sources`` (the published subgraph among the others) and compare the result
    with the current supergraph; each breaking change lists the ``operations`` using it."""
    result = CheckResult(subgraph, reject_unused_breaking_changes=reject_unused_breaking_changes)
    composed = compose(sources)
    if not composed.ok or composed.supergraph_sdl is None:
        result.composition_errors = list(composed.errors)
        return result
    result.supergraph_sdl = composed.supergraph_sdl
    if current_supergraph_sdl is None:
        result.initial = True
        return result
    try:
        old = read_supergraph(current_supergraph_sdl).api_schema
        new = read_supergraph(composed.supergraph_sdl).api_schema
    except SupergraphError as error:
        result.composition_errors = [CompositionError("INVALID_SUPERGRAPH", str(error))]
        return result
    for change in diff_schemas(old, new):
        if change.severity is not Severity.BREAKING:
            result.other_changes.append(change)
            continue
        coordinate = change_coordinate(change.message)
        through = fields_reaching(old, coordinate)
        users = [op for op in operations if coordinate_used_by(coordinate, op.coordinates, through)]
        users.sort(key=lambda op: (-op.count, op.name or "", op.hash))
        result.breaking_changes.append(
            BreakingChange(change.code, coordinate, change.message, users)
        )
    return result


def sources_with(
    current: Mapping[str, tuple[str, str]], name: str, sdl: str, routing_url: str
) -> list[SubgraphSource]:
    """The registered subgraphs (name → (sdl, routing URL)) with ``name`` replaced."""
    merged = dict(current)
    merged[name] = (sdl, routing_url)
    return [SubgraphSource(n, url, text) for n, (text, url) in sorted(merged.items())]
