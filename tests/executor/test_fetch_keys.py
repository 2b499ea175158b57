"""The response keys a fetch fills, read from its subgraph document."""

from __future__ import annotations

from router.executor.fetch_keys import FetchKeys, fetch_keys


def test_root_keys_are_response_keys_through_fragments() -> None:
    keys = fetch_keys(
        "query Q($n:Int){ok:users(first:$n){id} ...F ...on Query{extra}} "
        "fragment F on Query{me{id}}",
        entities=False,
    )
    assert keys.for_type(None) == {"ok", "me", "extra"}


def test_mutation_keys_are_its_aliases() -> None:
    keys = fetch_keys("mutation{ok:placeOrder(id:1){id} bad:placeOrder(id:2){id}}", False)
    assert keys.for_type(None) == {"ok", "bad"}


ENTITIES = (
    "query($representations:[_Any!]!){_entities(representations:$representations)"
    "{__typename ...on User{name reviews{body}} ...on Product{price:cost}}}"
)


def test_entity_keys_are_per_type_condition() -> None:
    keys = fetch_keys(ENTITIES, entities=True)
    assert keys == FetchKeys(
        frozenset({"__typename"}),
        {"User": frozenset({"name", "reviews"}), "Product": frozenset({"price"})},
    )
    assert keys.for_type("User") == {"__typename", "name", "reviews"}
    assert keys.for_type("Product") == {"__typename", "price"}


def test_an_unknown_type_gets_every_key() -> None:
    keys = fetch_keys(ENTITIES, entities=True)
    assert keys.for_type("Node") == {"__typename", "name", "reviews", "price"}
    assert keys.for_type(None) == keys.for_type("Node")


def test_a_document_without_entities_or_unparsable_fills_nothing() -> None:
    assert fetch_keys("{me{id}}", entities=True).for_type("User") == frozenset()
    assert fetch_keys("{me{", entities=False).for_type(None) == frozenset()
