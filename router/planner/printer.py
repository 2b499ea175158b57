"""Print a ``QueryPlan`` in Apollo's QueryPlan text format (what plan snapshots compare)."""

from __future__ import annotations

from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast

from router.planner.plan import (
    ConditionNode,
    FetchNode,
    FieldSelection,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Selection,
    SequenceNode,
    SubscriptionNode,
)

INDENT = "  "


def print_plan(plan: QueryPlan) -> str:
    if plan.node is None:
        return "QueryPlan {}"
    if isinstance(plan.node, SubscriptionNode):
        lines = ["QueryPlan {", *_subscription(plan.node, 1), "}"]
    else:
        lines = ["QueryPlan {", *_node(plan.node, 1), "}"]
    return "\n".join(lines)


def _subscription(node: SubscriptionNode, depth: int) -> list[str]:
    """Apollo's layout: ``Subscription { Primary: { Fetch }, Rest: { … } }``."""
    pad = INDENT * depth
    inner = INDENT * (depth + 1)
    lines = [f"{pad}Subscription {{", f"{inner}Primary: {{"]
    lines += _node(node.primary, depth + 2, end="")
    lines.append(f"{inner}}},")
    if node.rest is not None:
        lines.append(f"{inner}Rest: {{")
        lines += _node(node.rest, depth + 2, end="")
        lines.append(f"{inner}}},")
    lines.append(f"{pad}}},")
    return lines


def _node(node: PlanNode, depth: int, end: str = ",") -> list[str]:
    """A node's lines; ``end`` follows its closing brace (Apollo omits it in conditions)."""
    pad = INDENT * depth
    if isinstance(node, FetchNode):
        lines = _fetch(node, depth)
    elif isinstance(node, SequenceNode | ParallelNode):
        name = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        lines = [f"{pad}{name} {{"]
        for child in node.nodes:
            lines.extend(_node(child, depth + 1))
        lines.append(f"{pad}}}")
    elif isinstance(node, FlattenNode):
        if node.extra_paths:  # one fetch for the objects at several paths
            paths = ", ".join(f'"{".".join(path)}"' for path in node.paths)
            head = f"{pad}Flatten(paths: [{paths}]) {{"
        else:
            head = f'{pad}Flatten(path: "{".".join(node.path)}") {{'
        lines = [head, *_node(node.node, depth + 1), f"{pad}}}"]
    else:
        lines = _condition(node, depth)
    lines[-1] += end
    return lines


def _condition(node: ConditionNode, depth: int) -> list[str]:
    pad = INDENT * depth
    if node.if_clause is not None and node.else_clause is None:
        return [
            f"{pad}Include(if: ${node.condition}) {{",
            *_node(node.if_clause, depth + 1, end=""),
            f"{pad}}}",
        ]
    if node.else_clause is not None and node.if_clause is None:
        return [
            f"{pad}Skip(if: ${node.condition}) {{",
            *_node(node.else_clause, depth + 1, end=""),
            f"{pad}}}",
        ]
    lines = [f"{pad}Condition(if: ${node.condition}) {{"]
    for label, branch in (("Then", node.if_clause), ("Else", node.else_clause)):
        if branch is not None:
            lines += [
                f"{pad}{INDENT}{label} {{",
                *_node(branch, depth + 2, end=""),
                f"{pad}{INDENT}}}",
            ]
    lines.append(f"{pad}}}")
    return lines


def _fetch(node: FetchNode, depth: int) -> list[str]:
    pad = INDENT * depth
    inner = INDENT * (depth + 1)
    lines = [f'{pad}Fetch(service: "{node.service_name}") {{']
    body = _operation_selection(node)
    if node.requires:
        lines.extend(_indent(_print_requires(node.requires), inner))
        lines[-1] += " =>"
    lines.extend(_indent(body, inner))
    lines.append(f"{pad}}}")
    return lines


def _operation_selection(node: FetchNode) -> str:
    document = parse(node.operation, no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selection_set: SelectionSetNode = operation.selection_set
    if node.requires:
        entities = selection_set.selections[0]
        assert isinstance(entities, FieldNode) and entities.selection_set is not None
        selection_set = entities.selection_set
    return print_ast(selection_set)


def _print_requires(selections: tuple[Selection, ...]) -> str:
    return "\n".join(_selection_lines(selections, 0))


def _selection_lines(selections: tuple[Selection, ...], depth: int) -> list[str]:
    pad = INDENT * depth
    lines = [f"{pad}{{"] if depth == 0 else []
    for item in selections:
        inner = INDENT * (depth + 1)
        if isinstance(item, FieldSelection):
            head = f"{inner}{item.alias}: {item.name}" if item.alias else f"{inner}{item.name}"
        else:
            head = f"{inner}... on {item.type_condition}"
        if item.selections:
            lines.append(head + " {")
            lines.extend(_selection_lines(item.selections, depth + 1))
            lines.append(f"{inner}}}")
        else:
            lines.append(head)
    if depth == 0:
        lines.append(f"{pad}}}")
    return lines


def _indent(text: str, pad: str) -> list[str]:
    return [pad + line if line else line for line in text.split("\n")]


def node_lines(node: PlanNode, depth: int, end: str = ",") -> list[str]:
    """A plan node's lines at ``depth`` (for plans that embed nodes: ``defer_plan``)."""
    return _node(node, depth, end)
