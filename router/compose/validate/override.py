"""@override: OVERRIDE_SOURCE_HAS_OVERRIDE, OVERRIDE_FROM_SELF_ERROR,
OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE, OVERRIDE_LABEL_INVALID."""

from __future__ import annotations

import re

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphField, SubgraphSchema

_LABEL = re.compile(r"^(percent\((\d{1,2}(\.\d{1,8})?|100)\)|[a-zA-Z][a-zA-Z0-9_\-:./]*)$")


def validate_overrides(subgraphs: list[SubgraphSchema], diagnostics: Diagnostics) -> None:
    by_name = {subgraph.name: subgraph for subgraph in subgraphs}
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            for subgraph_field in subgraph_type.fields.values():
                source = subgraph_field.override
                if source is None:
                    continue
                coordinate = f"{subgraph_type.name}.{subgraph_field.name}"
                node = subgraph_field.applied.get("override", subgraph_field.node)
                if source == subgraph.name:
                    diagnostics.error(
                        "OVERRIDE_FROM_SELF_ERROR",
                        f'Source and destination subgraphs "{source}" are the same for '
                        f'overridden field "{coordinate}"',
                        subgraph.name,
                        node,
                    )
                    continue
                if subgraph_type.interface_object:
                    diagnostics.error(
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        "@override is not yet supported on fields of @interfaceObject types: "
                        f'cannot be used on field "{coordinate}" on subgraph "{subgraph.name}".',
                        subgraph.name,
                        node,
                    )
                    continue
                if subgraph_field.external:
                    diagnostics.error(
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        f'@override cannot be used on field "{coordinate}" on subgraph '
                        f'"{subgraph.name}" since "{coordinate}" on "{subgraph.name}" is marked '
                        'with directive "@external"',
                        subgraph.name,
                        node,
                    )
                    continue
                other = by_name.get(source)
                if other is None:
                    diagnostics.hint(
                        "FROM_SUBGRAPH_DOES_NOT_EXIST",
                        f'Source subgraph "{source}" for field "{coordinate}" on subgraph '
                        f'"{subgraph.name}" does not exist.',
                        subgraph.name,
                        node,
                    )
                    continue
                other_type = other.types.get(subgraph_type.name)
                other_field = other_type.fields.get(subgraph_field.name) if other_type else None
                if other_field is None:
                    diagnostics.hint(
                        "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                        f'Field "{coordinate}" on subgraph "{subgraph.name}" no longer exists in '
                        "the from subgraph. The @override directive can be removed.",
                        subgraph.name,
                        node,
                    )
                elif other_field.override is not None:
                    diagnostics.error(
                        "OVERRIDE_SOURCE_HAS_OVERRIDE",
                        f'Field "{coordinate}" on subgraph "{subgraph.name}" is also marked with '
                        f'directive @override in subgraph "{source}". Only one @override '
                        "directive is allowed per field.",
                        subgraph.name,
                        node,
                    )
                else:
                    for directive, fields in (
                        ("requires", other_field.requires),
                        ("provides", other_field.provides),
                    ):
                        if fields is not None:
                            diagnostics.error(
                                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                                f'@override cannot be used on field "{coordinate}" on subgraph '
                                f'"{subgraph.name}" since "{coordinate}" on "{source}" is '
                                f'marked with directive "@{directive}"',
                                subgraph.name,
                                node,
                            )
                            break
                    else:
                        _validate_label(subgraph.name, coordinate, subgraph_field, diagnostics)


def _validate_label(
    subgraph_name: str, coordinate: str, subgraph_field: SubgraphField, diagnostics: Diagnostics
) -> None:
    """A label is checked once the @override it belongs to is known to take effect."""
    label = subgraph_field.override_label
    if label is None or _LABEL.match(label):
        return
    diagnostics.error(
        "OVERRIDE_LABEL_INVALID",
        f'Invalid @override label "{label}" on field "{coordinate}" on subgraph '
        f'"{subgraph_name}": labels must start with a letter and after that may contain '
        "alphanumerics, underscores, minuses, colons, periods, or slashes. Alternatively, "
        'labels may be of the form "percent(x)" where x is a float between 0-100 inclusive.',
        subgraph_name,
        subgraph_field.applied.get("override", subgraph_field.node),
    )
