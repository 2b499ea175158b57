"""Where the walk is: a fetch group, the selection being filled in it, and what is known there."""

from __future__ import annotations

from dataclasses import dataclass

from router.planner.fetch_graph import FetchGroup, Path
from router.planner.normalize import Conditions, NormalizedSelection
from router.planner.selection_set import SelectionToFetch


@dataclass(frozen=True, slots=True)
class Position:
    """Where the walk is: a group, the selection being filled in it, and what is known there."""

    group: FetchGroup
    selection: SelectionToFetch
    type_name: str
    subgraph: str
    path: Path
    conditions: Conditions
    provided: NormalizedSelection | None  # fields @provides makes local here
    client: NormalizedSelection | None  # the client's selection here (for alias clashes)
    # by context name: the positions above (or at) this one whose object sets it, outermost
    # first (an object the walk reached in several subgraphs has several)
    contexts: tuple[tuple[str, tuple[Position, ...]], ...] = ()
    # a setter recorded at an abstract position for the one runtime type of it that sets the
    # context: objects of other types there take the value from further up
    partial: bool = False
