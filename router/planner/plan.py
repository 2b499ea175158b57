"""Query plan types: what the planner produces and the executor runs.

A plan is a tree of fetches. ``FetchNode`` sends one operation to one subgraph; with
``requires`` it is an entity fetch whose representations are collected at the enclosing
``FlattenNode`` path. ``SequenceNode`` runs its children in order, ``ParallelNode`` at once,
``ConditionNode`` picks a branch from a boolean variable (``@skip``/``@include``).
A subscription's plan is a ``SubscriptionNode``: its ``primary`` fetch opens the subscription on
the subgraph owning the root field, and ``rest`` runs on every event it sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OperationKind = Literal["query", "mutation", "subscription"]

LIST_MARKER = "@"  # a Flatten path element meaning "every item of the list here"


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """A field in a representation selection (``requires``) or a rewrite."""

    name: str
    selections: tuple[Selection, ...] = ()
    alias: str | None = None

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class InlineFragment:
    type_condition: str | None
    selections: tuple[Selection, ...] = ()


Selection = FieldSelection | InlineFragment


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """Set the value at ``path`` (e.g. rewrite ``__typename`` for @interfaceObject)."""

    path: tuple[str, ...]
    set_value_to: object


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """Rename the key at ``path`` to ``rename_key_to`` (aliased fields restored to their name)."""

    path: tuple[str, ...]
    rename_key_to: str


Rewrite = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class ContextValue:
    """A ``@fromContext`` argument's value, read per entity from an object above it.

    The object is ``levels_up`` fields above the entity in the response (list items do not
    count); ``selection`` is read from it when its ``__typename`` is one of ``setter_types``
    (or it has none). The value is sent as the GraphQL variable ``variable`` of type ``type``.
    """

    variable: str
    type: str
    levels_up: int
    setter_types: tuple[str, ...]  # the object types the setting type can be at runtime
    selection: tuple[Selection, ...]


@dataclass(frozen=True, slots=True)
class FetchNode:
    service_name: str
    operation: str  # the document sent to the subgraph, built once at plan time
    operation_kind: OperationKind = "query"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()  # client variables forwarded to this fetch
    requires: tuple[Selection, ...] = ()  # non-empty: an `_entities` fetch
    input_rewrites: tuple[Rewrite, ...] = ()
    output_rewrites: tuple[Rewrite, ...] = ()
    id: str | None = None
    context_values: tuple[ContextValue, ...] = ()  # per-entity variables (@fromContext)

    @property
    def is_entity_fetch(self) -> bool:
        return bool(self.requires)


@dataclass(frozen=True, slots=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class FlattenNode:
    path: tuple[str, ...]  # response keys, LIST_MARKER for list items
    node: PlanNode
    # More paths whose objects the same fetch serves (one `_entities` request for all).
    extra_paths: tuple[tuple[str, ...], ...] = ()

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        return (self.path, *self.extra_paths)


@dataclass(frozen=True, slots=True)
class ConditionNode:
    condition: str  # variable name, without "$"
    if_clause: PlanNode | None = None
    else_clause: PlanNode | None = None


PlanNode = FetchNode | SequenceNode | ParallelNode | FlattenNode | ConditionNode


@dataclass(frozen=True, slots=True)
class SubscriptionNode:
    """A subscription: ``primary`` is sent once (over the subgraph's WebSocket), ``rest`` is the
    plan for the rest of each event (entity fetches on the event's data), None when the
    primary fetch answers everything."""

    primary: FetchNode
    rest: PlanNode | None = None


@dataclass(frozen=True, slots=True)
class QueryPlan:
    node: PlanNode | SubscriptionNode | None = None
    # Statistics of how the plan was found, for diagnostics and budget reporting.
    stats: dict[str, int] = field(default_factory=dict, compare=False)


def query_node(plan: QueryPlan) -> PlanNode | None:
    """The root node of a query or mutation plan (a subscription plan has none)."""
    if isinstance(plan.node, SubscriptionNode):
        raise TypeError("a subscription plan has no query node")
    return plan.node
