"""Stage 2: the query graph (field, key and type edges) and its DOT rendering."""

from __future__ import annotations

from router.planner.query_graph import KeyEdge, build_query_graph, to_dot
from tests.planner import examples


def test_external_fields_are_not_field_edges_unless_keys() -> None:
    graph = build_query_graph(examples.shop(), frozenset())
    assert graph.field_edge("Product", "products", "weight") is not None
    assert graph.field_edge("Product", "inventory", "weight") is None
    assert graph.external_edge("Product", "inventory", "weight") is not None
    shipping = graph.field_edge("Product", "inventory", "shipping")
    assert shipping is not None and shipping.requires == 'weight price(currency: "USD")'


def test_key_edges_need_a_key_the_source_can_provide() -> None:
    graph = build_query_graph(examples.shop(), frozenset())
    from_reviews = graph.key_edges[("Product", "reviews")]
    assert from_reviews == [KeyEdge("Product", "reviews", "products", "upc")]
    targets = {edge.target for edge in graph.key_edges[("Product", "products")]}
    assert targets == {"reviews", "inventory"}


def test_unresolvable_keys_are_never_targets() -> None:
    graph = build_query_graph(examples.organizations(), frozenset())
    assert ("Organization", "directory") not in graph.key_edges
    assert [e.target for e in graph.key_edges[("Organization", "billing")]] == ["directory"]


def test_override_labels_choose_which_subgraph_resolves_a_field() -> None:
    migrations = examples.migrations()
    off = build_query_graph(migrations, frozenset())
    on = build_query_graph(migrations, frozenset({"percent(25)"}))
    assert off.subgraphs_resolving("Account", "status") == ["old"]
    assert on.subgraphs_resolving("Account", "status") == ["new"]
    assert off.subgraphs_resolving("Account", "plan") == ["new"]


def test_runtime_types_are_per_subgraph() -> None:
    graph = build_query_graph(examples.catalog(), frozenset())
    assert graph.runtime_types("Media", "media") == ["Book", "Film"]
    assert graph.runtime_types("FeedItem", "posts") == ["Post", "Video"]


def test_dot_output_names_vertices_and_edges() -> None:
    dot = to_dot(build_query_graph(examples.shop(), frozenset()))
    assert dot.startswith("digraph QueryGraph {")
    assert '"Product(reviews)" -> "Product(products)" [label="key(upc)", style=dashed];' in dot
    assert '"Query(users)" -> "User(users)" [label="me"];' in dot
    assert dot.rstrip().endswith("}")
