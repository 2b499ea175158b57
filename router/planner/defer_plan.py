"""The plan of an operation with ``@defer``: a primary plan and the deferred parts after it.

Printed in Apollo's QueryPlan text format::

    QueryPlan {
      Defer {
        Primary {
          { <what the initial payload holds> }:
          <the primary plan>
        }, [
          Deferred(depends: [0], path: "products", label: "reviews") {
            { <what this part delivers> }:
            <its plan, when it fetches anything>
          },
        ]
      },
    }

A deferred part runs after the part it is nested in (the primary, or another deferred part);
``depends`` names the fetches of that part that fetched the objects it starts from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from router.planner.plan import LIST_MARKER, PlanNode, QueryPlan, query_node
from router.planner.printer import INDENT, node_lines, print_plan

Chosen = TypeVar("Chosen")

# Identifies a deferred fragment in an operation: label, path, type and how many fragments
# with the same label, path and type come before it (the same for the planned operation,
# which authorization may have filtered, and the client's).
DeferKey = tuple[str, tuple[str, ...], str, int]


@dataclass(frozen=True, slots=True)
class DeferredStep:
    """One deferred fragment: where its data goes, what fetches it, what is nested in it."""

    key: DeferKey
    label: str | None
    path: tuple[str, ...]  # response keys from the root, "@" for list items
    type_name: str  # the type of the objects at ``path`` it applies to
    subselection: str  # the client's selection it delivers (printed)
    depends: tuple[str, ...]  # fetch ids of the enclosing part its objects come from
    node: PlanNode | None  # None: everything it delivers is fetched by the enclosing part
    children: tuple[DeferredStep, ...] = ()
    parent_label: str | None = None  # the enclosing deferred part's label, if any


@dataclass(frozen=True, slots=True)
class DeferredQueryPlan:
    primary: QueryPlan
    primary_subselection: str
    deferred: tuple[DeferredStep, ...]
    stats: dict[str, int] = field(default_factory=dict, compare=False)

    def steps(self) -> list[DeferredStep]:
        """Every deferred part, enclosing parts before the parts nested in them."""
        found: list[DeferredStep] = []
        stack = list(reversed(self.deferred))
        while stack:
            step = stack.pop()
            found.append(step)
            stack.extend(reversed(step.children))
        return found


@dataclass(frozen=True, slots=True)
class DeferCondition(Generic[Chosen]):
    """``@defer(if: $variable)``: what applies when the variable is true, and when it is false
    (plans here, their compiled forms in the gateway)."""

    variable: str
    if_clause: Chosen | DeferCondition[Chosen]
    else_clause: Chosen | DeferCondition[Chosen]


DeferPlanTree = DeferredQueryPlan | DeferCondition[DeferredQueryPlan]


def choose(tree: Chosen | DeferCondition[Chosen], values: Mapping[str, Any]) -> Chosen:
    """What applies for these variable values (an absent ``if`` variable defers)."""
    while isinstance(tree, DeferCondition):
        tree = tree.if_clause if bool(values.get(tree.variable, True)) else tree.else_clause
    return tree


def print_deferred_plan(plan: DeferPlanTree) -> str:
    if isinstance(plan, DeferredQueryPlan) and not plan.deferred:
        return print_plan(plan.primary)
    return "\n".join(["QueryPlan {", *_tree_lines(plan, 1, ","), "}"])


def _tree_lines(tree: DeferPlanTree, depth: int, end: str) -> list[str]:
    pad = INDENT * depth
    if isinstance(tree, DeferCondition):
        return [
            f"{pad}Condition(if: ${tree.variable}) {{",
            f"{pad}{INDENT}Then {{",
            *_tree_lines(tree.if_clause, depth + 2, ""),
            f"{pad}{INDENT}}} Else {{",
            *_tree_lines(tree.else_clause, depth + 2, ""),
            f"{pad}{INDENT}}}",
            f"{pad}}}{end}",
        ]
    if not tree.deferred:
        primary = query_node(tree.primary)
        return node_lines(primary, depth, end=end) if primary is not None else []
    inner = INDENT * (depth + 1)
    lines = [f"{pad}Defer {{", f"{inner}Primary {{"]
    lines += _indent_block(tree.primary_subselection, INDENT * (depth + 2), ":")
    primary = query_node(tree.primary)
    if primary is not None:
        lines += node_lines(primary, depth + 2, end="")
    lines.append(f"{inner}}}, [")
    for step in tree.steps():
        lines += _step_lines(step, depth + 2)
    lines += [f"{inner}]", f"{pad}}}{end}"]
    return lines


def _step_lines(step: DeferredStep, depth: int) -> list[str]:
    pad = INDENT * depth
    depends = ", ".join(
        f'{fetch}:"{step.parent_label}"' if step.parent_label else fetch for fetch in step.depends
    )
    label = f', label: "{step.label}"' if step.label is not None else ""
    path = "/".join(key for key in step.path if key != LIST_MARKER)  # Apollo's query path
    lines = [f'{pad}Deferred(depends: [{depends}], path: "{path}"{label}) {{']
    lines += _indent_block(step.subselection, INDENT * (depth + 1), ":")
    if step.node is not None:
        lines += node_lines(step.node, depth + 1, end="")
    lines.append(f"{pad}}},")
    return lines


def _indent_block(text: str, pad: str, end: str) -> list[str]:
    lines = [pad + line if line else line for line in text.split("\n")]
    lines[-1] += end
    return lines
