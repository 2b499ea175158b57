"""A query plan prepared for execution: request bodies pre-encoded, selections compiled.

Compiled once per cached operation; running it does no parsing and no plan inspection beyond
walking these nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from router.executor.flatten import FlattenStep, compile_flatten_path
from router.executor.representations import RepresentationSelection, compile_representation
from router.executor.rewrites import CompiledRewrite, compile_rewrites
from router.executor.type_conditions import TypeConditions
from router.planner.plan import (
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
    SubscriptionNode,
)
from router.supergraph.model import Supergraph


@dataclass(frozen=True, slots=True)
class CompiledFetch:
    service: str
    body_prefix: bytes  # the JSON body up to the variables value: b'{"query":…,"variables":'
    static_body: bytes | None  # the whole body when nothing varies per request
    variable_usages: tuple[str, ...]
    representation: RepresentationSelection | None  # set for `_entities` fetches
    input_rewrites: tuple[CompiledRewrite, ...]
    output_rewrites: tuple[CompiledRewrite, ...]
    node: FetchNode
    mutation: bool = False  # never retried, never shared with an identical fetch

    def body(self, variables: dict[str, object]) -> bytes:
        if self.static_body is not None and not variables:
            return self.static_body
        return self.body_prefix + orjson.dumps(variables) + b"}"


@dataclass(frozen=True, slots=True)
class CompiledSequence:
    nodes: tuple[CompiledNode, ...]


@dataclass(frozen=True, slots=True)
class CompiledParallel:
    nodes: tuple[CompiledNode, ...]


@dataclass(frozen=True, slots=True)
class CompiledFlatten:
    steps: tuple[FlattenStep, ...]
    node: CompiledNode
    more_steps: tuple[tuple[FlattenStep, ...], ...] = ()  # a multi-path Flatten's other paths


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    variable: str
    if_clause: CompiledNode | None
    else_clause: CompiledNode | None


CompiledNode = (
    CompiledFetch | CompiledSequence | CompiledParallel | CompiledFlatten | CompiledCondition
)


@dataclass(frozen=True, slots=True)
class CompiledSubscription:
    primary: CompiledFetch  # sent once over the subgraph's WebSocket
    rest: CompiledNode | None  # run on each event's data


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    root: CompiledNode | None
    plan: QueryPlan
    subscription: CompiledSubscription | None = None  # set: the plan of a subscription

    @property
    def fetch_count(self) -> int:
        return _count_fetches(self.root)


def compile_plan(plan: QueryPlan, supergraph: Supergraph) -> CompiledPlan:
    conditions = TypeConditions(supergraph)
    if isinstance(plan.node, SubscriptionNode):
        primary = compile_fetch(plan.node.primary, conditions)
        rest = _compile(plan.node.rest, conditions) if plan.node.rest is not None else None
        return CompiledPlan(None, plan, CompiledSubscription(primary, rest))
    root = _compile(plan.node, conditions) if plan.node is not None else None
    return CompiledPlan(root, plan)


def _compile(node: PlanNode, conditions: TypeConditions) -> CompiledNode:
    if isinstance(node, FetchNode):
        return compile_fetch(node, conditions)
    if isinstance(node, SequenceNode):
        return CompiledSequence(tuple(_compile(child, conditions) for child in node.nodes))
    if isinstance(node, ParallelNode):
        return CompiledParallel(tuple(_compile(child, conditions) for child in node.nodes))
    if isinstance(node, FlattenNode):
        return CompiledFlatten(
            compile_flatten_path(node.path, conditions),
            _compile(node.node, conditions),
            tuple(compile_flatten_path(path, conditions) for path in node.extra_paths),
        )
    return CompiledCondition(
        node.condition,
        _compile(node.if_clause, conditions) if node.if_clause is not None else None,
        _compile(node.else_clause, conditions) if node.else_clause is not None else None,
    )


def compile_fetch(node: FetchNode, conditions: TypeConditions) -> CompiledFetch:
    head: dict[str, object] = {"query": node.operation}
    if node.operation_name:
        head["operationName"] = node.operation_name
    encoded_head = orjson.dumps(head)
    prefix = encoded_head[:-1] + b',"variables":'
    static_body = None if node.is_entity_fetch else encoded_head
    return CompiledFetch(
        service=node.service_name,
        body_prefix=prefix,
        static_body=static_body,
        variable_usages=node.variable_usages,
        representation=(
            compile_representation(node.requires, conditions) if node.is_entity_fetch else None
        ),
        input_rewrites=compile_rewrites(node.input_rewrites, conditions),
        output_rewrites=compile_rewrites(node.output_rewrites, conditions),
        node=node,
        mutation=node.operation_kind == "mutation",
    )


def _count_fetches(node: CompiledNode | None) -> int:
    if node is None:
        return 0
    if isinstance(node, CompiledFetch):
        return 1
    if isinstance(node, CompiledSequence | CompiledParallel):
        return sum(_count_fetches(child) for child in node.nodes)
    if isinstance(node, CompiledFlatten):
        return _count_fetches(node.node)
    return _count_fetches(node.if_clause) + _count_fetches(node.else_clause)
