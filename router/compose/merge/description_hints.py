"""INCONSISTENT_DESCRIPTION: an element described differently by several subgraphs."""

from __future__ import annotations

from graphql import Node

from router.compose.merge.context import MergeContext, subgraph_list


def _block(text: str) -> str:
    lines = ['  """', *(f"  {line}" for line in text.splitlines()), '  """']
    return "\n".join(lines)


def hint_inconsistent_descriptions(
    context: MergeContext,
    element: str,
    owners: list[tuple[str, str | None, Node]],
    chosen: str | None,
) -> None:
    """``owners`` lists (subgraph, description, node) for every subgraph defining ``element``."""
    described = [(subgraph, text, node) for subgraph, text, node in owners if text]
    if chosen is None or len({text for _, text, _ in described}) < 2:
        return
    groups: dict[str, list[str]] = {}
    for subgraph, text, _ in described:
        assert text is not None
        groups.setdefault(text, []).append(subgraph)
    chosen_from = groups.pop(chosen)
    others = "\n".join(
        f"In {subgraph_list(names)}, the description is:\n{_block(text)}"
        for text, names in groups.items()
    )
    first_subgraph, _, first_node = described[0]
    context.diagnostics.hint(
        "INCONSISTENT_DESCRIPTION",
        f'Element "{element}" has inconsistent descriptions across subgraphs. The supergraph '
        f"will use description (from {subgraph_list(chosen_from)}):\n{_block(chosen)}\n{others}",
        first_subgraph,
        first_node,
    )
