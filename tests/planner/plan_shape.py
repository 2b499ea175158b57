"""The two numbers plans are compared by: how many fetches, and how many must run in a row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    PlanNode,
    SequenceNode,
)


@dataclass(frozen=True, slots=True)
class PlanShape:
    fetches: int
    depth: int  # the longest chain of fetches that must run one after another

    def not_worse_than(self, other: PlanShape) -> bool:
        return (self.fetches, self.depth) <= (other.fetches, other.depth)


def shape_of(node: PlanNode | None) -> PlanShape:
    if node is None:
        return PlanShape(0, 0)
    if isinstance(node, FetchNode):
        return PlanShape(1, 1)
    if isinstance(node, FlattenNode):
        return shape_of(node.node)
    if isinstance(node, ConditionNode):
        branches = [shape_of(n) for n in (node.if_clause, node.else_clause) if n is not None]
        return _combine(branches, sequential=False)
    children = [shape_of(child) for child in node.nodes]
    return _combine(children, sequential=isinstance(node, SequenceNode))


def _combine(children: list[PlanShape], *, sequential: bool) -> PlanShape:
    if not children:
        return PlanShape(0, 0)
    fetches = sum(child.fetches for child in children)
    depths = [child.depth for child in children]
    return PlanShape(fetches, sum(depths) if sequential else max(depths))


_STRUCTURE = re.compile(
    r"^(?P<indent> *)(?P<kind>Fetch\(|Sequence \{|Parallel \{|Flatten\(|Include\(|Skip\(|"
    r"Condition\(|Then \{|Else \{|Defer \{|Deferred\(|Primary \{|Subscription \{)"
)


def shape_of_text(text: str) -> PlanShape | None:
    """The shape of a plan in Apollo's text format; None when there is no plan."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _STRUCTURE.match(line):
            return _parse(lines, index)[0]
    return PlanShape(0, 0) if text.strip().startswith("QueryPlan") else None


def _parse(lines: list[str], index: int) -> tuple[PlanShape, int]:
    match = _STRUCTURE.match(lines[index])
    assert match is not None
    indent, kind = len(match.group("indent")), match.group("kind")
    children: list[PlanShape] = []
    cursor = index + 1
    while cursor < len(lines):
        line = lines[cursor]
        stripped = line.lstrip(" ")
        line_indent = len(line) - len(stripped)
        if line_indent == indent and stripped.startswith("}"):
            break
        if kind != "Fetch(" and line_indent == indent + 2 and _STRUCTURE.match(line):
            child, cursor = _parse(lines, cursor)
            children.append(child)
            continue
        cursor += 1
    if kind == "Fetch(":
        return PlanShape(1, 1), cursor + 1
    return _combine(children, sequential=kind == "Sequence {"), cursor + 1
