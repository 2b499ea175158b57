"""The ``@defer`` directive as written on fragments: whether it defers, and its label."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import BooleanValueNode, DirectiveNode, StringValueNode, VariableNode

DEFER = "defer"


def directive(directives: Iterable[DirectiveNode] | None, name: str) -> DirectiveNode | None:
    return next((d for d in directives or () if d.name.value == name), None)


def argument(node: DirectiveNode, name: str) -> Any:
    return next((a.value for a in node.arguments or () if a.name.value == name), None)


def defer_is_active(directives: Iterable[DirectiveNode] | None, values: Mapping[str, Any]) -> bool:
    """Whether a fragment's ``@defer`` defers it (``if`` absent or true)."""
    found = directive(directives, DEFER)
    if found is None:
        return False
    condition = argument(found, "if")
    if isinstance(condition, BooleanValueNode):
        return condition.value
    if isinstance(condition, VariableNode):
        return bool(values.get(condition.name.value, True))
    return True


def defer_label(directives: Iterable[DirectiveNode] | None) -> str | None:
    found = directive(directives, DEFER)
    label = argument(found, "label") if found is not None else None
    return label.value if isinstance(label, StringValueNode) else None
