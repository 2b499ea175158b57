"""Planner features on small supergraphs: what each plan fetches, from where, in what order."""

from __future__ import annotations

import pytest

from router.planner import PlanningBudget, PlanningError
from router.planner.plan import (
    ConditionNode,
    FetchNode,
    FieldSelection,
    FlattenNode,
    InlineFragment,
    ParallelNode,
    PlanNode,
    SequenceNode,
    ValueSetter,
)
from tests.planner import examples
from tests.planner.plan_shape import PlanShape, shape_of
from tests.planner.supergraphs import plan, plan_text


def fetches(
    node: PlanNode | None, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], FetchNode]]:
    """Every fetch with the Flatten path it merges at, in plan order (a multi-path fetch once,
    with its first path)."""
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [(path, node)]
    if isinstance(node, FlattenNode):
        return fetches(node.node, node.path)
    if isinstance(node, ConditionNode):
        return fetches(node.if_clause, path) + fetches(node.else_clause, path)
    return [found for child in node.nodes for found in fetches(child, path)]


def services(node: PlanNode | None) -> list[str]:
    return [fetch.service_name for _, fetch in fetches(node)]


# -- root fields and entity jumps -------------------------------------------------------------


def test_root_fields_of_different_subgraphs_run_in_parallel() -> None:
    result = plan(examples.shop(), "{ me { name } products { name } }")
    assert isinstance(result.node, ParallelNode)
    assert services(result.node) == ["users", "products"]
    assert shape_of(result.node) == PlanShape(fetches=2, depth=1)


def test_shareable_root_field_is_taken_from_a_subgraph_already_queried() -> None:
    result = plan(examples.shop(), "{ version products { name } }")
    assert isinstance(result.node, FetchNode)
    assert result.node.service_name == "products"
    assert result.node.operation == "query{version products{name}}"


def test_entity_fetch_sends_representations_and_keeps_client_aliases() -> None:
    result = plan(
        examples.shop(),
        "query Mine { me { who: name reviews { text: body } } }",
        operation_name="Mine",
    )
    (_, root), (path, entity) = fetches(result.node)
    assert root.operation == "query Mine__users__0{me{__typename who:name id}}"
    assert root.operation_name == "Mine__users__0"
    assert path == ("me",)
    assert entity.service_name == "reviews"
    assert entity.operation == (
        "query Mine__reviews__1($representations:[_Any!]!)"
        "{_entities(representations:$representations){...on User{reviews{text:body}}}}"
    )
    assert entity.requires == (
        InlineFragment("User", (FieldSelection("__typename"), FieldSelection("id"))),
    )
    assert isinstance(result.node, SequenceNode)


def test_variables_are_declared_in_the_fetches_that_use_them() -> None:
    result = plan(
        examples.shop(),
        "query Q($id: ID!, $n: Int = 3, $x: Boolean!) "
        "{ user(id: $id) { reviews @include(if: $x) { body } } products(first: $n) { name } }",
    )
    by_service = {fetch.service_name: fetch for _, fetch in fetches(result.node)}
    assert by_service["users"].variable_usages == ("id",)
    assert by_service["users"].operation.startswith("query Q__users__0($id:ID!){user(id:$id)")
    assert by_service["products"].variable_usages == ("n",)
    assert "($n:Int=3)" in by_service["products"].operation
    # The Include node decides on $x: the fetch it guards does not repeat the condition.
    assert by_service["reviews"].variable_usages == ()
    assert by_service["reviews"].operation == (
        "query Q__reviews__1($representations:[_Any!]!)"
        "{_entities(representations:$representations){...on User{reviews{body}}}}"
    )


def test_lists_of_lists_flatten_with_one_marker_per_list() -> None:
    result = plan(examples.shop(), "{ shelves { name reviews { body } } }")
    (_, _root), (path, entity) = fetches(result.node)
    assert path == ("shelves", "@", "@")
    assert entity.service_name == "reviews"


def test_key_both_sides_know_is_used_and_missing_keys_take_a_detour() -> None:
    shop = examples.shop()
    direct = plan(shop, "{ products { inStock } }")
    (_, _), (_, inventory) = fetches(direct.node)
    assert inventory.requires == (
        InlineFragment("Product", (FieldSelection("__typename"), FieldSelection("sku"))),
    )
    # reviews only knows upc, inventory only sku: products bridges the two keys.
    detour = plan(shop, "{ latestReviews { product { inStock } } }")
    assert services(detour.node) == ["reviews", "products", "inventory"]
    assert shape_of(detour.node) == PlanShape(fetches=3, depth=3)


def test_composite_nested_key_is_fetched_and_sent() -> None:
    result = plan(examples.organizations(), "{ invoices { member { seats displayName } } }")
    (_, root), (path, directory) = fetches(result.node)
    assert "member{__typename seats id organization{id}}" in root.operation
    assert path == ("invoices", "@", "member")
    assert directory.requires == (
        InlineFragment(
            "Member",
            (
                FieldSelection("__typename"),
                FieldSelection("id"),
                FieldSelection("organization", (FieldSelection("id"),)),
            ),
        ),
    )


def test_field_resolved_where_the_walk_jumps_anyway_saves_a_fetch() -> None:
    result = plan(
        examples.organizations(), "{ invoices { member { displayName organization { name } } } }"
    )
    assert shape_of(result.node) == PlanShape(fetches=2, depth=2)
    (_, _), (_, directory) = fetches(result.node)
    assert "organization{name}" in directory.operation


def test_resolvable_false_key_is_never_jumped_into() -> None:
    result = plan(examples.organizations(), "{ invoices { organization { id name } } }")
    assert services(result.node) == ["billing", "directory"]
    with pytest.raises(PlanningError, match=r"Organization\.billingCode"):
        plan(examples.organizations(), "{ organizations { billingCode } }")


# -- mutations and conditions -------------------------------------------------------------------


def test_mutation_fields_run_in_order_with_their_entity_fetches_between() -> None:
    result = plan(
        examples.shop(),
        'mutation { rename(name: "a") { name reviews { body } } '
        'addReview(upc: "1", body: "b") { body } again: rename(name: "c") { name } }',
    )
    assert isinstance(result.node, SequenceNode)
    assert services(result.node) == ["users", "reviews", "reviews", "users"]
    assert [fetch.operation_kind for _, fetch in fetches(result.node)] == [
        "mutation",
        "query",
        "mutation",
        "mutation",
    ]
    assert shape_of(result.node) == PlanShape(fetches=4, depth=4)


def test_consecutive_mutations_of_one_subgraph_share_a_fetch() -> None:
    result = plan(
        examples.shop(), 'mutation { a: rename(name: "a") { id } b: rename(name: "b") { id } }'
    )
    assert isinstance(result.node, FetchNode)
    assert result.node.operation == 'mutation{a:rename(name:"a"){id} b:rename(name:"b"){id}}'


def test_skip_and_include_with_variables_become_condition_nodes() -> None:
    result = plan(
        examples.shop(),
        "query($withReviews: Boolean!, $hide: Boolean!) "
        "{ me { name reviews @include(if: $withReviews) { body } } "
        "products @skip(if: $hide) { name } }",
    )
    assert isinstance(result.node, ParallelNode)
    users, products = result.node.nodes
    assert isinstance(products, ConditionNode)
    assert products.condition == "hide" and products.if_clause is None
    assert isinstance(users, SequenceNode)
    include = users.nodes[1]
    assert isinstance(include, ConditionNode)
    assert include.condition == "withReviews" and include.else_clause is None


def test_literal_skip_and_contradictions_are_dropped() -> None:
    result = plan(
        examples.shop(),
        "query($x: Boolean!) { me { name reviews @skip(if: true) { body } "
        "other: reviews @include(if: $x) @skip(if: $x) { body } } }",
    )
    assert services(result.node) == ["users"]


# -- @requires, @provides, @external ----------------------------------------------------------


def test_requires_fetches_its_inputs_first_and_aliases_clashing_arguments() -> None:
    result = plan(examples.shop(), '{ products { price(currency: "EUR") shipping } }')
    (_, root), (_path, inventory) = fetches(result.node)
    assert root.service_name == "products"
    assert root.operation == (
        'query{products{__typename price(currency:"EUR") weight '
        '__fedra_0:price(currency:"USD") sku}}'
    )
    assert inventory.requires == (
        InlineFragment(
            "Product",
            (
                FieldSelection("__typename"),
                FieldSelection("sku"),
                FieldSelection("weight"),
                FieldSelection("price", alias="__fedra_0"),
            ),
        ),
    )
    assert shape_of(result.node) == PlanShape(fetches=2, depth=2)


def test_requires_whose_inputs_live_elsewhere_waits_for_that_fetch() -> None:
    result = plan(examples.shop(), "{ latestReviews { product { shipping } } }")
    assert services(result.node) == ["reviews", "products", "inventory"]
    assert shape_of(result.node) == PlanShape(fetches=3, depth=3)


def test_provided_fields_need_no_fetch_and_others_do() -> None:
    catalog = examples.catalog()
    provided = plan(catalog, "{ featured { author { name } } }")
    assert services(provided.node) == ["posts"]
    not_provided = plan(catalog, "{ posts { author { name } } }")
    assert services(not_provided.node) == ["posts", "media"]
    partly = plan(catalog, "{ featured { author { name bio } } }")
    (_, _), (_, media) = fetches(partly.node)
    assert media.operation.endswith("{...on Author{bio}}}")


# -- abstract types ---------------------------------------------------------------------------


def test_union_members_resolved_in_other_subgraphs() -> None:
    result = plan(examples.catalog(), "{ feed { ... on Post { title } ... on Video { url } } }")
    (_, root), (path, media) = fetches(result.node)
    assert root.operation == (
        "query{feed{__typename ...on Post{title} ...on Video{__typename id}}}"
    )
    assert path == ("feed", "@")
    assert media.requires == (
        InlineFragment("Video", (FieldSelection("__typename"), FieldSelection("id"))),
    )


def test_interface_object_fields_jump_with_the_interface_typename() -> None:
    result = plan(examples.catalog(), "{ media { title stars ... on Book { pages } } }")
    (_, root), (_path, ratings) = fetches(result.node)
    assert root.service_name == "media"
    assert ratings.service_name == "ratings"
    assert ratings.requires == (
        InlineFragment("Media", (FieldSelection("__typename"), FieldSelection("id"))),
    )
    assert ratings.input_rewrites == (ValueSetter(("... on Media", "__typename"), "Media"),)


def test_runtime_type_of_an_interface_object_comes_from_the_interface_owner() -> None:
    result = plan(examples.catalog(), "{ topRated { __typename stars ... on Film { minutes } } }")
    (_, root), (_path, media) = fetches(result.node)
    assert root.service_name == "ratings"
    assert root.operation == "query{topRated{__typename stars id}}"
    assert media.service_name == "media"
    assert media.operation.endswith("{...on Media{__typename ...on Film{minutes}}}}")


# -- @override ----------------------------------------------------------------------------------


def test_override_moves_a_field_and_labels_decide_progressive_ones() -> None:
    migrations = examples.migrations()
    off = plan(migrations, "{ accounts { status plan } }")
    assert services(off.node) == ["old", "new"]
    (_, old), (_, new) = fetches(off.node)
    assert "status" in old.operation and "plan" in new.operation
    on = plan(migrations, "{ accounts { status } }", labels=frozenset({"percent(25)"}))
    assert services(on.node) == ["old", "new"]
    only_old = plan(migrations, "{ accounts { status } }")
    assert services(only_old.node) == ["old"]


# -- errors and budget ----------------------------------------------------------------------------


def test_budget_exceeded_raises_a_planning_error() -> None:
    with pytest.raises(PlanningError, match="budget"):
        plan_text_with_budget()


def plan_text_with_budget() -> None:
    from graphql import parse

    from router.planner import plan_operation

    plan_operation(
        examples.shop(),
        parse("{ me { reviews { product { name inStock shipping } } } }"),
        budget=PlanningBudget(max_options=3),
    )


def test_unknown_operation_name_is_a_planning_error() -> None:
    with pytest.raises(PlanningError, match="unknown operation"):
        plan(examples.shop(), "query A { me { id } }", operation_name="B")


def test_plan_text_is_apollo_style() -> None:
    text = plan_text(
        examples.shop(), "query($x: Boolean!) { me { reviews @include(if: $x) { id } } }"
    )
    assert text.startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "users") {')
    assert '    Include(if: $x) {\n      Flatten(path: "me") {' in text
    assert "        } =>\n" in text


def test_value_type_fields_from_elsewhere_move_the_parent_field() -> None:
    value_types = examples.value_types()
    local = plan(value_types, "{ items { label price { amount } } }")
    assert services(local.node) == ["cart"]
    moved = plan(value_types, "{ items { label price { amount currency } } }")
    (_, cart), (path, pricing) = fetches(moved.node)
    assert cart.operation == "query{items{__typename label id}}"
    assert path == ("items", "@")
    assert pricing.operation.endswith("{...on Item{price{amount currency}}}}")


def test_shareable_root_field_is_split_across_subgraphs_when_that_is_shallower() -> None:
    result = plan(examples.value_types(), "{ featured { label price { currency } } }")
    assert isinstance(result.node, ParallelNode)
    assert [fetch.operation for _, fetch in fetches(result.node)] == [
        "query{featured{label}}",
        "query{featured{price{currency}}}",
    ]


def test_planner_fields_clashing_with_client_aliases_get_reserved_aliases() -> None:
    result = plan(examples.shop(), "{ me { id: name reviews { body } } }")
    (_, users), (_, reviews) = fetches(result.node)
    assert users.operation == "query{me{__typename id:name __fedra_0:id}}"
    assert reviews.requires == (
        InlineFragment(
            "User", (FieldSelection("__typename"), FieldSelection("id", alias="__fedra_0"))
        ),
    )


def test_requires_of_one_field_with_different_arguments_use_separate_fetches() -> None:
    shop = examples.make_supergraph_with_two_requirements()
    result = plan(shop, "{ products { quote estimate } }")
    assert services(result.node) == ["products", "shipping", "shipping"]
    reps = [fetch.requires for _, fetch in fetches(result.node)[1:]]
    weights = [
        next(f for f in rep[0].selections if isinstance(f, FieldSelection) and f.name == "weight")
        for rep in reps
        if isinstance(rep[0], InlineFragment)
    ]
    assert sorted(w.alias or "" for w in weights) == ["__fedra_0", "__fedra_1"]


def test_fetches_for_a_conditional_fields_requirements_share_its_condition() -> None:
    result = plan(
        examples.shop(),
        "query($x: Boolean!) { latestReviews { body product { shipping @include(if: $x) } } }",
    )
    assert isinstance(result.node, SequenceNode)
    reviews, condition = result.node.nodes
    assert isinstance(reviews, FetchNode) and reviews.service_name == "reviews"
    assert isinstance(condition, ConditionNode) and condition.condition == "x"
    assert services(condition.if_clause) == ["products", "inventory"]
