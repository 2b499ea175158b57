"""Subgraph error paths rewritten to the client's response paths; null propagation."""

from __future__ import annotations

from router.planner.plan import ParallelNode, SequenceNode

from .harness import Harness, entity_fetch, flatten, root_fetch


async def test_entities_error_path_points_at_the_object_it_came_from(harness: Harness) -> None:
    reviews_of_user = entity_fetch("reviews", "User", ("id",), "reviews{body}")
    plan = SequenceNode(
        (
            root_fetch("accounts", '{me{__typename id name} user(id:"3"){__typename id name}}'),
            ParallelNode((flatten("me", reviews_of_user), flatten("user", reviews_of_user))),
        )
    )
    result = await harness.run(
        '{ me { name reviews { body } } user(id: "3") { name reviews { body } } }', plan
    )
    # User.reviews is non-null: user 3's error nulls the nullable `user` field
    assert result["data"] == {
        "me": {
            "name": "Ada Lovelace",
            "reviews": [{"body": "Love it!"}, {"body": "Could be better."}],
        },
        "user": None,
    }
    assert result["errors"] == [
        {
            "message": "reviews of user 3 are unavailable",
            "path": ["user", "reviews"],
            # no `locations`: the subgraph's point into the document the router sent it
            # a subgraph error without a code of its own gets DOWNSTREAM_SERVICE_ERROR
            "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"},
        }
    ]


async def test_error_of_a_deduplicated_representation_goes_to_every_origin(
    harness: Harness,
) -> None:
    plan = SequenceNode(
        (
            root_fetch("reviews", "{latestReviews{body author{__typename id}}}"),
            flatten(
                "latestReviews.@.author",
                entity_fetch("accounts", "User", ("id",), "name riskScore"),
            ),
        )
    )
    result = await harness.run("{ latestReviews { author { name riskScore } } }", plan)
    # user 2 wrote reviews 0 and 2 (latest first); riskScore is nullable
    assert result["data"]["latestReviews"] == [
        {"author": {"name": "Alan Turing", "riskScore": None}},
        {"author": {"name": "Ada Lovelace", "riskScore": 12}},
        {"author": {"name": "Alan Turing", "riskScore": None}},
        {"author": {"name": "Ada Lovelace", "riskScore": 12}},
    ]
    assert [e["path"] for e in result["errors"]] == [
        ["latestReviews", 0, "author", "riskScore"],
        ["latestReviews", 2, "author", "riskScore"],
    ]
    assert {e["extensions"]["serviceName"] for e in result["errors"]} == {"accounts"}


async def test_null_in_non_null_list_item_bubbles_to_nullable_parent(harness: Harness) -> None:
    # users: [User!]! and User.reviews: [Review!]! -- user 3's failure nulls the whole list,
    # which is non-null itself, so the null reaches `data`.
    plan = SequenceNode(
        (
            root_fetch("accounts", "{users{__typename id}}"),
            flatten("users.@", entity_fetch("reviews", "User", ("id",), "reviews{body}")),
        )
    )
    result = await harness.run("{ users { reviews { body } } }", plan)
    assert result["data"] is None
    assert [e["path"] for e in result["errors"]] == [["users", 2, "reviews"]]


async def test_missing_non_null_field_gets_its_own_error(harness: Harness) -> None:
    # The entity fetch never ran (no plan node for it): `name` is missing and non-null.
    plan = root_fetch("accounts", '{user(id:"1"){__typename id}}')
    result = await harness.run('{ user(id: "1") { id name } }', plan)
    assert result == {
        "data": {"user": None},
        # raised by the router itself, not by a subgraph: a value-completion error
        "extensions": {
            "valueCompletion": [
                {
                    "message": "Cannot return null for non-nullable field User.name.",
                    "path": ["user", "name"],
                    "extensions": {"code": "INVALID_GRAPHQL"},
                }
            ]
        },
    }
