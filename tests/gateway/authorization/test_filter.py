"""The operation filter on its own: what is removed, what is planned, the error paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

from router.authorization import Permissions, errors_for, filter_operation
from router.gateway import Gateway
from router.supergraph.model import Supergraph
from router.supergraph.reader import read_supergraph

from .corpus import supergraph_sdl

ACCESS = Path(__file__).parent / "fixtures" / "access"
ANYONE = Permissions()
SIGNED_IN = Permissions(authenticated=True)


@pytest.fixture(scope="module")
def supergraph() -> Supergraph:
    return read_supergraph(supergraph_sdl(ACCESS, "fedra"))


def _filter(supergraph: Supergraph, query: str, permissions: Permissions):  # type: ignore[no-untyped-def]
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return filter_operation(
        supergraph.api_schema, supergraph.authorization, permissions, operation, fragments
    )


def _paths(result) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [error.get("path") for error in result.errors]


def test_an_allowed_operation_is_returned_as_is(supergraph: Supergraph) -> None:
    document = parse("{ users { name } motd }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    result = filter_operation(
        supergraph.api_schema, supergraph.authorization, ANYONE, operation, {}
    )
    assert result.operation is operation
    assert not result.changed and result.errors == []


def test_removed_fields_leave_the_rest_and_name_their_paths(supergraph: Supergraph) -> None:
    result = _filter(
        supergraph,
        "{ me { name } list: users { __typename name email status balance } motd }",
        ANYONE,
    )
    assert print_ast(result.operation.selection_set) == (
        "{\n  list: users {\n    __typename\n    name\n  }\n  motd\n}"
    )
    assert _paths(result) == [
        ["me"],
        ["list", "@", "email"],
        ["list", "@", "status"],
        ["list", "@", "balance"],
    ]
    assert {e["extensions"]["code"] for e in result.errors} == {"UNAUTHORIZED_FIELD_OR_TYPE"}
    assert {e["message"] for e in result.errors} == {"Unauthorized field or type"}


def test_a_field_left_without_selection_is_removed_with_one_error(
    supergraph: Supergraph,
) -> None:
    result = _filter(supergraph, "{ users { email label } motd }", SIGNED_IN)
    assert print_ast(result.operation.selection_set) == "{\n  motd\n}"
    assert _paths(result) == [["users"]]


def test_named_fragments_are_filtered_once_and_reported_per_spread(
    supergraph: Supergraph,
) -> None:
    result = _filter(
        supergraph,
        "{ me { ...F } users { ...F } } fragment F on User { name email }",
        SIGNED_IN,
    )
    assert set(result.fragments) == {"F"}
    assert print_ast(result.fragments["F"]) == "fragment F on User {\n  name\n}"
    assert _paths(result) == [["me", "email"], ["users", "@", "email"]]


def test_each_fragment_is_walked_once_however_often_it_is_spread(
    supergraph: Supergraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fragment bomb (each fragment spreading the next twice, 40 deep: 2^40 spreads if
    expanded) is filtered in work linear in the document."""
    from router.authorization import filter as filter_module

    walked = 0
    walk = filter_module._Filter.selection_set

    def counting(self, *args):  # type: ignore[no-untyped-def]
        nonlocal walked
        walked += 1
        return walk(self, *args)

    monkeypatch.setattr(filter_module._Filter, "selection_set", counting)
    depth = 40
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(depth)]
    fragments.append(f"fragment F{depth} on Query {{ me {{ name }} motd }}")
    result = _filter(supergraph, "{ ...F0 }\n" + "\n".join(fragments), ANYONE)
    assert walked <= 2 * (depth + 2)
    assert _paths(result) == [["me"]]  # one path, reported once
    assert print_ast(result.fragments[f"F{depth}"]) == f"fragment F{depth} on Query {{\n  motd\n}}"


def test_fragments_on_restricted_types_are_removed(supergraph: Supergraph) -> None:
    result = _filter(
        supergraph,
        "{ search { ... on User { name } ...B } } fragment B on Bot { model }",
        ANYONE,
    )
    assert print_ast(result.operation.selection_set) == (
        "{\n  search {\n    ... on User {\n      name\n    }\n  }\n}"
    )
    assert result.fragments == {}
    assert _paths(result) == [["search", "@"]]


def test_introspection_and_typename_are_never_removed(supergraph: Supergraph) -> None:
    result = _filter(
        supergraph, "{ __typename __schema { queryType { name } } me { name } }", ANYONE
    )
    assert print_ast(result.operation.selection_set).startswith("{\n  __typename\n  __schema {")


async def test_removed_fields_are_not_planned(supergraph: Supergraph) -> None:
    gateway = Gateway(supergraph)
    try:
        query = "{ users { name email purchases { title } } }"
        anonymous = gateway.prepare(query, None, permissions=ANYONE)
        admin = gateway.prepare(
            query, None, permissions=Permissions(authenticated=True, scopes=frozenset({"admin"}))
        )
        assert anonymous.plan_text is not None and admin.plan_text is not None
        assert "email" not in anonymous.plan_text
        assert 'service: "catalog"' not in anonymous.plan_text
        assert "email" in admin.plan_text and 'service: "catalog"' in admin.plan_text
    finally:
        await gateway.aclose()


def test_errors_follow_skip_and_include(supergraph: Supergraph) -> None:
    result = _filter(
        supergraph,
        "query Q($a: Boolean!, $b: Boolean!) {"
        " me @include(if: $a) { name } users { ... @skip(if: $b) { email } name } }",
        ANYONE,
    )
    paths = {
        (a, b): [e["path"] for e in errors_for(result.removals, {"a": a, "b": b})]
        for a in (True, False)
        for b in (True, False)
    }
    assert paths[(True, False)] == [["me"], ["users", "@", "email"]]
    assert paths[(False, False)] == [["users", "@", "email"]]
    assert paths[(True, True)] == [["me"]]
    assert paths[(False, True)] == []
