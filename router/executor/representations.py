"""Entity representations: built from the ``requires`` selection, de-duplicated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.executor.flatten import ResponseKeyPath, Target
from router.executor.rewrites import CompiledRewrite, apply_rewrites
from router.executor.type_conditions import TypeConditions
from router.planner.plan import FieldSelection, InlineFragment, Selection


@dataclass(frozen=True, slots=True)
class RepresentationField:
    response_key: str  # where the value is in the response data
    name: str  # the key in the representation
    selection: RepresentationSelection | None


# An object's representation; raises KeyError or _Missing when a required field is absent.
RepresentationBuilder = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RepresentationSelection:
    """The fields of a representation, by the object's runtime type."""

    by_type: dict[str, tuple[RepresentationField, ...]]
    default: tuple[RepresentationField, ...]  # objects of any other type
    typed: bool  # type conditions present: objects matching none of them are skipped
    # each field tuple above as one generated function (see _builder)
    builders: dict[str, RepresentationBuilder] = field(default_factory=dict)
    default_builder: RepresentationBuilder | None = None  # None: other types are skipped

    def fields_for(self, typename: object) -> tuple[RepresentationField, ...] | None:
        if self.typed:
            if isinstance(typename, str):
                found = self.by_type.get(typename)
                if found is not None:
                    return found
            return self.default or None
        return self.default


def compile_representation(
    selections: tuple[Selection, ...], conditions: TypeConditions
) -> RepresentationSelection:
    common: list[RepresentationField] = []
    fragments: list[tuple[frozenset[str], list[RepresentationField]]] = []
    for selection in selections:
        if isinstance(selection, FieldSelection):
            common.append(_compile_field(selection, conditions))
        elif isinstance(selection, InlineFragment):
            fields = [
                _compile_field(s, conditions)
                for s in selection.selections
                if isinstance(s, FieldSelection)
            ]
            if selection.type_condition is None:
                common.extend(fields)
            else:
                fragments.append((conditions.matching(selection.type_condition), fields))
    by_type: dict[str, list[RepresentationField]] = {}
    for typenames, fields in fragments:
        for typename in typenames:
            entry = by_type.setdefault(typename, list(common))
            names = {f.name for f in entry}
            entry.extend(f for f in fields if f.name not in names)
    typed = bool(fragments)
    default = tuple(common)
    built: dict[int, RepresentationBuilder] = {}  # by field tuple (kept alive in the selection)

    def builder_of(fields: tuple[RepresentationField, ...]) -> RepresentationBuilder:
        found = built.get(id(fields))
        if found is None:
            found = built[id(fields)] = _builder(fields)
        return found

    frozen = {name: tuple(fields) for name, fields in by_type.items()}
    return RepresentationSelection(
        by_type=frozen,
        default=default,
        typed=typed,
        builders={name: builder_of(fields) for name, fields in frozen.items()},
        default_builder=builder_of(default) if default or not typed else None,
    )


def _builder(fields: tuple[RepresentationField, ...]) -> RepresentationBuilder:
    """One function building the representation of ``fields`` from an object: each field read
    with its response key as a constant (KeyError when absent), nested selections built by
    ``_build_value``, the result one dict literal."""
    constants: dict[str, Any] = {"build_value": _build_value}
    lines = ["def build(obj):"]
    items: list[str] = []
    for index, entry in enumerate(fields):
        value = f"v{index}"
        lines.append(f"    {value} = obj[{entry.response_key!r}]")
        if entry.selection is not None:
            constants[f"S{index}"] = entry.selection
            lines.append(f"    if {value} is not None:")
            lines.append(f"        {value} = build_value({value}, S{index})")
        items.append(f"{entry.name!r}: {value}")
    lines.append("    return {" + ", ".join(items) + "}")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<representation builder>", "exec"), constants, namespace)
    builder: RepresentationBuilder = namespace["build"]
    return builder


def _compile_field(selection: FieldSelection, conditions: TypeConditions) -> RepresentationField:
    nested = (
        compile_representation(selection.selections, conditions) if selection.selections else None
    )
    return RepresentationField(selection.response_key, selection.name, nested)


class _Missing(Exception):
    """A required field is absent: the object cannot be represented."""


def build_representation(
    obj: dict[str, Any], selection: RepresentationSelection
) -> dict[str, Any] | None:
    try:
        return _build(obj, selection)
    except _Missing:
        return None


def _build(obj: dict[str, Any], selection: RepresentationSelection) -> dict[str, Any] | None:
    fields = selection.fields_for(obj.get("__typename"))
    if fields is None:
        return None
    representation: dict[str, Any] = {}
    for entry in fields:
        if entry.response_key not in obj:
            raise _Missing
        value = obj[entry.response_key]
        if entry.selection is not None and value is not None:
            value = _build_value(value, entry.selection)
        representation[entry.name] = value
    return representation


def _build_value(value: Any, selection: RepresentationSelection) -> Any:
    if type(value) is list:
        return [_build_value(item, selection) for item in value]
    if type(value) is dict:
        built = _build(value, selection)
        if built is None:
            raise _Missing
        return built
    return value


@dataclass(slots=True)
class CollectedRepresentations:
    """Unique representations and, for each, every object (and its path) it came from."""

    representations: list[dict[str, Any]] = field(default_factory=list)
    origins: list[list[Target]] = field(default_factory=list)

    def paths_of(self, index: int) -> list[ResponseKeyPath]:
        return [path for _, path in self.origins[index]]


def collect_representations(
    targets: list[Target],
    selection: RepresentationSelection,
    input_rewrites: tuple[CompiledRewrite, ...],
) -> CollectedRepresentations:
    collected = CollectedRepresentations()
    representations = collected.representations
    origins = collected.origins
    index_by_key: dict[bytes, int] = {}
    dumps = orjson.dumps
    builders = selection.builders
    default = selection.default_builder
    typed = selection.typed
    for target in targets:
        obj = target[0]
        # this loop runs for every object at a flatten path
        if typed:
            typename = obj.get("__typename")
            build = builders.get(typename) if type(typename) is str else None
            if build is None:
                build = default
                if build is None:
                    continue
        else:
            assert default is not None
            build = default
        try:
            representation = build(obj)
        except (KeyError, _Missing):
            continue  # a required field is absent: the object cannot be represented
        if input_rewrites:
            apply_rewrites(representation, input_rewrites)
        key = dumps(representation)
        index = index_by_key.get(key)
        if index is None:
            index_by_key[key] = len(representations)
            representations.append(representation)
            origins.append([target])
        else:
            origins[index].append(target)
    return collected
