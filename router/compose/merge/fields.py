"""Merging one object or interface field defined in several subgraphs."""

from __future__ import annotations

import re

from router.compose.merge.arguments import merge_arguments
from router.compose.merge.context import MergeContext, mismatch_description, subgraph_list
from router.compose.merge.decorations import merge_decorations
from router.compose.merge.description_hints import hint_inconsistent_descriptions
from router.compose.merge.external_arguments import validate_external_arguments
from router.compose.merge.type_references import merge_type_references
from router.compose.subgraph import SubgraphField
from router.supergraph.model import ContextArgument, Field, FieldInSubgraph


def _external_types_match(
    context: MergeContext,
    coordinate: str,
    merged_type: str,
    sources: list[tuple[str, SubgraphField]],
    defining: list[tuple[str, SubgraphField]],
) -> bool:
    """EXTERNAL_TYPE_MISMATCH: an @external declaration must agree with the real field."""
    mismatched = [
        (subgraph, subgraph_field)
        for subgraph, subgraph_field in sources
        if subgraph_field.external and subgraph_field.type != merged_type
    ]
    if not mismatched or len(defining) == len(sources):
        return True
    groups: dict[str, list[str]] = {}
    for subgraph, subgraph_field in [*defining, *mismatched]:
        groups.setdefault(subgraph_field.type, []).append(subgraph)
    context.diagnostics.error(
        "EXTERNAL_TYPE_MISMATCH",
        f'Type of field "{coordinate}" is incompatible across subgraphs (where marked @external): '
        + mismatch_description(groups, "type"),
        mismatched[0][0],
        mismatched[0][1].node,
    )
    return False


def _context_arguments(subgraph: str, subgraph_field: SubgraphField) -> list[ContextArgument]:
    """``@fromContext(field: "$ctx { prop }")`` arguments as join ``contextArguments``."""
    found: list[ContextArgument] = []
    for argument in subgraph_field.arguments.values():
        if argument.from_context is None:
            continue
        match = _CONTEXT_REFERENCE.match(argument.from_context)
        if match is None:
            continue
        found.append(
            ContextArgument(
                name=argument.name,
                type=argument.type,
                context=f"{subgraph}__{match.group(1)}",
                selection=match.group(2),
            )
        )
    return found


_CONTEXT_REFERENCE = re.compile(r"^\s*\$([_A-Za-z][_0-9A-Za-z]*)(.*)$", re.DOTALL)


def _hint_compatible_types(
    context: MergeContext,
    coordinate: str,
    merged_type: str,
    defining: list[tuple[str, SubgraphField]],
) -> None:
    """INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE: subgraphs return subtypes of the merged type."""
    narrower: dict[str, list[str]] = {}
    for subgraph, subgraph_field in defining:
        if subgraph_field.type != merged_type:
            narrower.setdefault(subgraph_field.type, []).append(subgraph)
    if not narrower:
        return
    wider = [s for s, f in defining if f.type == merged_type]
    described = " and ".join(
        f'"{type_string}" in {subgraph_list(names)}' for type_string, names in narrower.items()
    )
    context.diagnostics.hint(
        "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE",
        f'Type of field "{coordinate}" is inconsistent but compatible across subgraphs: will use '
        f'type "{merged_type}" (from {subgraph_list(wider)}) in supergraph but "{coordinate}" '
        f"has subtype {described}.",
        defining[0][0],
        defining[0][1].node,
    )


def merge_field(
    context: MergeContext,
    type_name: str,
    sources: list[tuple[str, SubgraphField]],
    used_in_subgraph: dict[str, set[str]],
) -> Field | None:
    """The merged field, or None when its types are incompatible (an error is recorded).

    ``used_in_subgraph`` maps a subgraph to the fields of this type its keys, @requires and
    @provides select: an overridden field still needed there is kept as ``usedOverridden``.
    """
    coordinate = f"{type_name}.{sources[0][1].name}"
    defining = [(s, f) for s, f in sources if not f.external] or sources
    merged_type = merge_type_references(
        [subgraph_field.type for _, subgraph_field in defining],
        context.is_subtype,
        input_position=False,
    )
    if merged_type is None and defining is sources:
        # Every definition is @external: EXTERNAL_MISSING_ON_BASE says what is wrong.
        merged_type = defining[0][1].type
    if merged_type is None:
        groups: dict[str, list[str]] = {}
        for subgraph, subgraph_field in defining:
            groups.setdefault(subgraph_field.type, []).append(subgraph)
        context.diagnostics.error(
            "FIELD_TYPE_MISMATCH",
            f'Type of field "{coordinate}" is incompatible across subgraphs: '
            + mismatch_description(groups, "type"),
            defining[0][0],
            defining[0][1].node,
        )
        merged_type = defining[0][1].type
    elif not _external_types_match(context, coordinate, merged_type, sources, defining):
        merged_type = defining[0][1].type
    resolving = [(s, f) for s, f in sources if not f.external]
    decorations = merge_decorations([f.decorations for _, f in sources])
    hint_inconsistent_descriptions(
        context,
        coordinate,
        [(s, f.decorations.description, f.node) for s, f in sources],
        decorations.description,
    )
    _hint_compatible_types(context, coordinate, merged_type, defining)
    merged = Field(
        name=sources[0][1].name,
        type=merged_type,
        arguments=merge_arguments(context, coordinate, resolving or sources),
        description=decorations.description,
        deprecated=decorations.deprecated,
        deprecation_reason=decorations.deprecation_reason,
        inaccessible=decorations.inaccessible,
        tags=decorations.tags,
        directives=decorations.directives,
    )
    merged.source_types_differ = any(f.type != merged_type for _, f in sources)
    if resolving and len(resolving) < len(sources):
        validate_external_arguments(context, coordinate, merged.arguments, sources)
    overridden: dict[str, tuple[str, str | None]] = {}
    overriding = {subgraph for subgraph, f in sources if f.override is not None}
    by_subgraph = dict(sources)
    for subgraph, subgraph_field in sources:
        if subgraph_field.override is not None and subgraph_field.override not in overriding:
            source_field = by_subgraph.get(subgraph_field.override)
            if source_field is not None and (
                source_field.requires is not None or source_field.provides is not None
            ):
                continue  # OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE: the @override is void
            overridden[subgraph_field.override] = (subgraph, subgraph_field.override_label)
    for subgraph, subgraph_field in sources:
        source = FieldInSubgraph(
            graph=subgraph,
            type=subgraph_field.type,
            external=subgraph_field.external,
            requires=subgraph_field.requires,
            provides=subgraph_field.provides,
            override_label=(
                subgraph_field.override_label
                if any(other == subgraph_field.override for other, _ in sources)
                else None
            ),
        )
        if subgraph_field.override is not None and subgraph_field.override != subgraph:
            source.override = subgraph_field.override
        source.context_arguments = _context_arguments(subgraph, subgraph_field)
        taken = overridden.get(subgraph)
        if taken is not None and taken[0] != subgraph and not subgraph_field.external:
            label = taken[1]
            if label is not None:
                source.override_label = label
                context.diagnostics.hint(
                    "OVERRIDE_MIGRATION_IN_PROGRESS",
                    f'Field "{coordinate}" is currently being migrated with progressive '
                    "@override. Once the migration is complete, remove the field from subgraph "
                    f'"{subgraph}".',
                    subgraph,
                    subgraph_field.node,
                )
            elif merged.name in used_in_subgraph.get(subgraph, set()):
                source.used_overridden = True
            else:
                context.diagnostics.hint(
                    "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                    f'Field "{coordinate}" on subgraph "{subgraph}" is overridden. Consider '
                    "removing it.",
                    subgraph,
                    subgraph_field.node,
                )
                continue
        merged.sources[subgraph] = source
    return merged
