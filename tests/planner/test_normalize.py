"""Stage 1: the normalised operation."""

from __future__ import annotations

import pytest
from graphql import parse

from router.planner import PlanningError
from router.planner.normalize import (
    for_runtime_type,
    normalize_operation,
    print_normalized,
)
from tests.planner import examples


def normalized(operation: str, name: str | None = None) -> str:
    return print_normalized(normalize_operation(examples.catalog(), parse(operation), name))


def test_fragments_are_inlined_and_same_keys_merged() -> None:
    text = normalized(
        """
        query Q { posts { ...A title author { name } } }
        fragment A on Post { id author { bio } }
        """
    )
    assert text == (
        "query Q {\n  posts {\n    id\n    author {\n      bio\n      name\n    }\n"
        "    title\n  }\n}\n"
    )


def test_literal_conditions_drop_fields_and_variables_become_conditions() -> None:
    text = normalized(
        "query($x: Boolean!) { posts { id @skip(if: true) title @include(if: false) "
        "... @include(if: $x) { author { name } } } }"
    )
    assert "id" not in text and "title" not in text
    assert "author @include(if: $x)" in text
    assert "($x:Boolean!)" in text


def test_a_field_included_by_either_occurrence_keeps_their_common_conditions() -> None:
    operation = normalize_operation(
        examples.catalog(),
        parse(
            "query($a: Boolean!, $b: Boolean!) { posts { "
            "author @include(if: $a) { name } author @include(if: $b) { bio } } }"
        ),
    )
    posts = operation.selection.fields["posts"].selection
    assert posts is not None
    author = posts.fields["author"]
    assert author.conditions == frozenset()
    assert author.selection is not None
    assert author.selection.fields["name"].conditions == {("a", True)}
    assert author.selection.fields["bio"].conditions == {("b", True)}


def test_narrowing_fragments_stay_and_covering_ones_flatten() -> None:
    operation = normalize_operation(
        examples.catalog(),
        parse("{ media { ... on Media { id } ... on Book { pages } ... on Post { id } } }"),
    )
    media = operation.selection.fields["media"].selection
    assert media is not None
    assert list(media.fields) == ["id"]
    assert list(media.fragments) == ["Book"]  # Post can never be a Media
    book = for_runtime_type(examples.catalog(), media, "Book")
    assert list(book.fields) == ["id", "pages"]


def test_introspection_root_fields_are_not_planned() -> None:
    assert normalized('{ __schema { queryType { name } } __type(name: "Post") { name } }') == (
        "query {\n}\n"
    )


def test_the_operation_to_plan_must_be_named_when_there_are_several() -> None:
    with pytest.raises(PlanningError, match="operationName"):
        normalized("query A { posts { id } } query B { posts { title } }")
    assert normalized("query A { posts { id } } query B { posts { title } }", "B").startswith(
        "query B"
    )


@pytest.mark.timeout(10)
def test_a_fragment_spread_many_times_is_collected_once_per_position() -> None:
    levels = 60  # each fragment spreads the next twice: 2**60 paths, one field in the end
    fragments = [
        f"fragment F{i} on Post {{ id ...F{i + 1} author {{ ...A{i} }} ...F{i + 1} }}"
        f" fragment A{i} on Author {{ name ...A{i + 1} ...A{i + 1} }}"
        for i in range(levels)
    ]
    fragments.append(
        f"fragment F{levels} on Post {{ title }} fragment A{levels} on Author {{ bio }}"
    )
    text = normalized("query { posts { ...F0 } }\n" + "\n".join(fragments))
    assert text == (
        "query {\n  posts {\n    id\n    title\n    author {\n      name\n      bio\n    }\n"
        "  }\n}\n"
    )
