"""Reading @authenticated, @requiresScopes and @policy from supergraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.supergraph.authorization import Requirement, RequirementError
from router.supergraph.reader import read_supergraph
from tests.gateway.authorization.corpus import COMPOSERS, Composer, supergraph_sdl

ACCESS = Path(__file__).parents[1] / "gateway" / "authorization" / "fixtures" / "access"

HEADER = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  {links}
{{ query: Query }}

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose {{ SECURITY EXECUTION }}
enum join__Graph {{ A @join__graph(name: "a", url: "http://a.invalid/graphql") }}
"""


def _supergraph(links: str, body: str) -> str:
    return HEADER.format(links=links) + body


@pytest.mark.parametrize("composer", COMPOSERS)
def test_both_composers_output_reads_the_same_requirements(composer: Composer) -> None:
    index = read_supergraph(supergraph_sdl(ACCESS, composer)).authorization
    assert index.field_requirement("Query", "me") == Requirement(authenticated=True)
    assert index.field_requirement("User", "email") == Requirement(
        scopes=((frozenset({"users:email", "users:read"}), frozenset({"admin"})),)
    )
    assert index.field_requirement("User", "internalNote") == Requirement(
        policies=((frozenset({"support"}),),)
    )
    assert index.type_requirement("Bot") == Requirement(authenticated=True)
    assert index.type_requirement("Money") == Requirement(authenticated=True)
    assert index.type_requirement("Status") == Requirement(scopes=((frozenset({"admin"}),),))
    # an interface demands what its implementations demand, whoever composed it
    assert index.type_requirement("Node") == Requirement(authenticated=True)
    assert index.field_requirement("Node", "label") == Requirement(
        scopes=((frozenset({"users:read"}),),)
    )
    assert index.field_requirement("User", "name") == Requirement()
    assert index.scopes == {"admin", "users:email", "users:read", "catalog:prices"}
    assert index.policies == {"support"}


def test_renamed_and_imported_directives_are_recognised() -> None:
    sdl = _supergraph(
        '@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "auth", for: SECURITY)\n'
        '  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY,'
        ' import: [{name: "@requiresScopes", as: "@scopes"}])\n'
        '  @link(url: "https://specs.apollo.dev/policy/v0.1", as: "pol", for: SECURITY)',
        """
directive @auth on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @scopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @pol(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @authenticated on FIELD_DEFINITION

type Query @join__type(graph: A) {
  a: String @auth
  b: String @scopes(scopes: [["x"], ["y", "z"]])
  c: String @pol(policies: [["p"]])
  d: String @authenticated
}
""",
    )
    index = read_supergraph(sdl).authorization
    assert index.field_requirement("Query", "a") == Requirement(authenticated=True)
    assert index.field_requirement("Query", "b") == Requirement(
        scopes=((frozenset({"x"}), frozenset({"y", "z"})),)
    )
    assert index.field_requirement("Query", "c") == Requirement(policies=((frozenset({"p"}),),))
    # renamed away: a bare @authenticated is some other directive here
    assert index.field_requirement("Query", "d") == Requirement()


def test_directives_of_unlinked_specs_are_not_requirements() -> None:
    sdl = _supergraph(
        "",
        """
directive @authenticated on FIELD_DEFINITION
type Query @join__type(graph: A) { a: String @authenticated }
""",
    )
    assert read_supergraph(sdl).authorization.empty


def test_malformed_arguments_are_refused_naming_the_field() -> None:
    sdl = _supergraph(
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY,'
        ' import: ["@requiresScopes"])',
        """
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
type Query @join__type(graph: A) { a: String @requiresScopes(scopes: "admin") }
""",
    )
    with pytest.raises(RequirementError, match=r"Query\.a: scopes must be a list of lists"):
        read_supergraph(sdl).authorization  # noqa: B018


def test_requirements_combine_with_and_alternatives_with_or() -> None:
    requirement = Requirement(authenticated=True) & Requirement(
        scopes=((frozenset({"a", "b"}), frozenset({"c"})),)
    )
    requirement = requirement & Requirement(scopes=((frozenset({"d"}),),))
    assert requirement.satisfied_by(True, frozenset({"a", "b", "d"}), frozenset())
    assert requirement.satisfied_by(True, frozenset({"c", "d"}), frozenset())
    assert not requirement.satisfied_by(True, frozenset({"a", "d"}), frozenset())  # a AND b
    assert not requirement.satisfied_by(True, frozenset({"c"}), frozenset())  # and d
    assert not requirement.satisfied_by(False, frozenset({"c", "d"}), frozenset())
    policy = Requirement(policies=((frozenset({"p"}), frozenset({"q", "r"})),))
    assert policy.satisfied_by(False, frozenset(), frozenset({"q", "r"}))
    assert not policy.satisfied_by(False, frozenset(), frozenset({"q"}))
