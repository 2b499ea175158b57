"""Classifying API schema changes for clients."""

from __future__ import annotations

from graphql import build_schema

from router.check.diff import Severity, diff_schemas

BASE = """
type Query { user(id: ID!): User  users(first: Int): [User!]! }
type User { id: ID!  name: String!  email: String  role: Role }
enum Role { ADMIN MEMBER }
input UserFilter { name: String }
"""


def changes(new: str) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for change in diff_schemas(build_schema(BASE), build_schema(new)):
        result.setdefault(change.severity.value, set()).add(change.code)
    return result


def test_no_change_reports_nothing() -> None:
    assert diff_schemas(build_schema(BASE), build_schema(BASE)) == []


def test_removals_are_breaking() -> None:
    new = BASE.replace("  email: String", "").replace("ADMIN ", "")
    assert changes(new)["breaking"] == {"FIELD_REMOVED", "VALUE_REMOVED_FROM_ENUM"}


def test_output_field_that_may_now_be_null_is_breaking() -> None:
    new = BASE.replace("name: String!", "name: String")
    assert changes(new) == {"breaking": {"FIELD_CHANGED_KIND"}}


def test_output_field_made_non_null_is_safe() -> None:
    new = BASE.replace("email: String", "email: String!")
    assert changes(new) == {"safe": {"FIELD_NULLABILITY_TIGHTENED"}}


def test_new_required_argument_is_breaking_new_optional_is_dangerous() -> None:
    required = BASE.replace("users(first: Int)", "users(first: Int, org: ID!)")
    optional = BASE.replace("users(first: Int)", "users(first: Int, org: ID)")
    assert changes(required)["breaking"] == {"REQUIRED_ARG_ADDED"}
    assert changes(optional) == {"dangerous": {"OPTIONAL_ARG_ADDED"}}


def test_argument_made_required_is_breaking() -> None:
    new = BASE.replace("users(first: Int)", "users(first: Int!)")
    assert changes(new)["breaking"] == {"ARG_CHANGED_KIND"}


def test_additions_are_safe() -> None:
    new = BASE + "\ntype Team { id: ID! }\nextend type User { team: Team }"
    result = diff_schemas(build_schema(BASE), build_schema(new))
    assert {c.code for c in result} == {"TYPE_ADDED", "FIELD_ADDED"}
    assert all(c.severity is Severity.SAFE for c in result)
