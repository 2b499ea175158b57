"""Running hand-built plans against the test subgraphs, and building those plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from starlette.types import ASGIApp

from router.executor import Executor, FetcherOptions, compile_shape
from router.planner.plan import (
    FetchNode,
    FieldSelection,
    FlattenNode,
    InlineFragment,
    PlanNode,
    QueryPlan,
)
from router.supergraph.model import Supergraph
from router.supergraph.reader import read_supergraph

from .subgraphs import accounts, inventory, products, reviews
from .subgraphs.recording import RecordingApp

SUPERGRAPH_FILE = Path(__file__).parent / "subgraphs" / "supergraph.graphql"


def load_supergraph() -> Supergraph:
    return read_supergraph(SUPERGRAPH_FILE.read_text())


def make_apps() -> dict[str, RecordingApp]:
    return {
        "accounts": accounts.make_app(),
        "products": products.make_app(),
        "reviews": reviews.make_app(),
        "inventory": inventory.make_app(),
    }


@dataclass
class Harness:
    supergraph: Supergraph
    apps: dict[str, ASGIApp]
    urls: dict[str, str] = field(default_factory=dict)
    timeouts: dict[str, float] = field(default_factory=dict)

    def executor(self) -> Executor:
        urls = {name: sub.url for name, sub in self.supergraph.subgraphs.items()}
        urls.update(self.urls)
        transports: dict[str, httpx.AsyncBaseTransport] = {
            name: httpx.ASGITransport(app) for name, app in self.apps.items()
        }
        return Executor(
            self.supergraph,
            FetcherOptions(urls=urls, timeouts=self.timeouts, transports=transports),
        )

    async def run(
        self,
        query: str,
        node: PlanNode,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        shape = compile_shape(self.supergraph.api_schema, operation, fragments, variables)
        executor = self.executor()
        try:
            plan = executor.compile(QueryPlan(node))
            return await executor.execute(plan, shape, variables=variables, headers=headers)
        finally:
            await executor.aclose()


def key(typename: str, *fields: str) -> tuple[InlineFragment]:
    """A representation selection: ``... on Type { __typename field… }``."""
    return (
        InlineFragment(
            typename,
            (FieldSelection("__typename"), *(FieldSelection(name) for name in fields)),
        ),
    )


def entity_fetch(
    service: str,
    typename: str,
    key_fields: tuple[str, ...],
    selection: str,
    variable_usages: tuple[str, ...] = (),
    variable_definitions: str = "",
) -> FetchNode:
    operation = (
        f"query($representations:[_Any!]!{variable_definitions})"
        f"{{_entities(representations:$representations){{... on {typename}{{{selection}}}}}}}"
    )
    return FetchNode(
        service_name=service,
        operation=operation,
        variable_usages=variable_usages,
        requires=key(typename, *key_fields),
    )


def flatten(path: str, node: PlanNode) -> FlattenNode:
    return FlattenNode(tuple(path.split(".")), node)


def root_fetch(service: str, operation: str, variable_usages: tuple[str, ...] = ()) -> FetchNode:
    is_mutation = operation.lstrip().startswith("mutation")
    return FetchNode(
        service_name=service,
        operation=operation,
        operation_kind="mutation" if is_mutation else "query",
        variable_usages=variable_usages,
    )
