"""Composition's satisfiability check and the planner answer key reachability alike.

For every entity type and every subgraph defining it, over the composition fixtures and the
planner stress supergraphs: the subgraphs satisfiability's walk can move the entity to by key
jumps are the subgraphs the planner finds a route of key edges to, and each single jump one of
them allows the other allows too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.planner_stress.cases import CASES, QUICK_CASES
from router.compose.api import SubgraphSource, compose
from router.compose.errors import Diagnostics
from router.compose.satisfiability import _Walker
from router.planner.errors import BudgetTracker, PlanningBudget
from router.planner.routes import Routes
from router.supergraph.model import NamedType, Supergraph
from tests.compose.fixture_sets import fixture_names, load_fixture

Question = tuple[str, str]  # (entity type, start subgraph)

# The stress cases small enough to compose in a few seconds each.
STRESS_CASES = (*QUICK_CASES, *(case for case in CASES if case.name in {"key-chain-30"}))


def _entities(supergraph: Supergraph) -> Iterator[NamedType]:
    roots = set(supergraph.root_types().values())
    for named in supergraph.types.values():
        if named.is_composite and named.name not in roots and named.graphs:
            yield named


def satisfiability_answers(supergraph: Supergraph) -> dict[Question, set[str]]:
    walker = _Walker(supergraph, Diagnostics())
    return {
        (named.name, start): set(walker.closure(named, start)) & set(named.graphs)
        for named in _entities(supergraph)
        for start in named.graphs
    }


def planner_answers(supergraph: Supergraph) -> dict[Question, set[str]]:
    routes = Routes(supergraph.query_planner.query_graph(), BudgetTracker(PlanningBudget()))
    return {
        (named.name, start): {start}
        | {
            target
            for target in named.graphs
            if target != start and routes.route(named.name, start, target) is not None
        }
        for named in _entities(supergraph)
        for start in named.graphs
    }


def satisfiability_jumps(supergraph: Supergraph) -> set[tuple[str, str, str]]:
    walker = _Walker(supergraph, Diagnostics())
    return {
        (named.name, source, target)
        for named in _entities(supergraph)
        for source in named.graphs
        for target in named.graphs
        if source != target and walker.can_provide_key(named, source, named, target)
    }


def planner_jumps(supergraph: Supergraph) -> set[tuple[str, str, str]]:
    graph = supergraph.query_planner.query_graph()
    return {
        (edge.type_name, edge.source, edge.target)
        for edges in graph.key_edges.values()
        for edge in edges
    }


def assert_same_answers(supergraph: Supergraph) -> None:
    assert satisfiability_jumps(supergraph) == planner_jumps(supergraph)
    assert satisfiability_answers(supergraph) == planner_answers(supergraph)


def _composed_fixtures() -> Iterator[tuple[str, Supergraph]]:
    for name in fixture_names():
        fixture = load_fixture(name)
        result = compose(
            [SubgraphSource(s.name, s.url, s.sdl, str(s.path)) for s in fixture.subgraphs]
        )
        if result.ok and result.supergraph is not None:
            yield name, result.supergraph


def test_satisfiability_and_planner_agree_on_every_composition_fixture() -> None:
    checked = 0
    jumps = 0
    for _name, supergraph in _composed_fixtures():
        assert_same_answers(supergraph)
        checked += 1
        jumps += len(planner_jumps(supergraph))
    assert checked >= 50  # the fixtures that compose
    assert jumps >= 50  # and they do have key jumps to compare


@pytest.mark.parametrize("case", STRESS_CASES, ids=lambda case: case.name)
def test_satisfiability_and_planner_agree_on_the_stress_supergraphs(case: object) -> None:
    graph = case.build()  # type: ignore[attr-defined]
    result = compose(list(graph.sources))
    assert result.ok and result.supergraph is not None
    supergraph = result.supergraph
    answers = planner_answers(supergraph)
    assert any(len(reached) > 1 for reached in answers.values())
    assert_same_answers(supergraph)


def test_an_unresolvable_key_blocks_the_jump_in_both() -> None:
    """An entity moves to a subgraph only through one of its resolvable keys, in both models."""
    link = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
    )
    products = SubgraphSource(
        "products",
        "http://products.internal/graphql",
        link
        + "type Query { product: Product }\n"
        + 'type Product @key(fields: "id", resolvable: false) { id: ID! name: String }\n',
    )
    inventory = SubgraphSource(
        "inventory",
        "http://inventory.internal/graphql",
        link + 'type Product @key(fields: "id") { id: ID! stock: Int }\n',
    )
    result = compose([products, inventory])
    supergraph = result.supergraph
    assert supergraph is not None, result.errors
    expected = {
        ("Product", "products"): {"products", "inventory"},
        ("Product", "inventory"): {"inventory"},
    }
    assert satisfiability_answers(supergraph) == expected
    assert planner_answers(supergraph) == expected
    assert planner_jumps(supergraph) == {("Product", "products", "inventory")}
    assert_same_answers(supergraph)
