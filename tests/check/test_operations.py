"""Validating client operation files against an API schema."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from router.check.operations import find_operation_files, validate_operation_files

SCHEMA = build_schema(
    """
    type Query { user(id: ID!): User }
    type User { id: ID!  name: String  friends: [User!]! }
    """
)


def test_fragments_from_other_files_are_used_and_errors_point_at_their_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "fragments.graphql").write_text(
        "fragment UserBits on User {\n  id\n  nickname\n}\n"
    )
    (tmp_path / "web" / "page.graphql").write_text(
        "query Page($id: ID!) {\n  user(id: $id) {\n    ...UserBits\n    friends { name }\n  }\n}\n"
    )
    files = find_operation_files([str(tmp_path / "web" / "**" / "*.graphql")])
    report = validate_operation_files(SCHEMA, files)
    assert report.operations == 1
    assert [(Path(p.file).name, p.line, p.column) for p in report.problems] == [
        ("fragments.graphql", 3, 3)
    ]
    assert "nickname" in report.problems[0].message
    assert report.problems[0].operation == "Page"


def test_valid_operations_pass_and_syntax_errors_are_located(tmp_path: Path) -> None:
    (tmp_path / "ok.graphql").write_text("query { user(id: 1) { id name } }")
    (tmp_path / "broken.graphql").write_text("query {\n  user(id: 1) { id \n")
    report = validate_operation_files(SCHEMA, find_operation_files([str(tmp_path / "*.graphql")]))
    assert report.operations == 1
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert Path(problem.file).name == "broken.graphql"
    assert problem.line == 3
    assert "Syntax Error" in problem.message


def test_unknown_fragment_and_missing_variable_are_reported(tmp_path: Path) -> None:
    (tmp_path / "q.graphql").write_text("query Q { user(id: $id) { ...Missing } }")
    report = validate_operation_files(SCHEMA, [tmp_path / "q.graphql"])
    messages = " | ".join(p.message for p in report.problems)
    assert "Unknown fragment 'Missing'" in messages
    assert "Variable '$id' is not defined" in messages


def test_a_name_defined_twice_is_reported_at_each_later_definition(tmp_path: Path) -> None:
    (tmp_path / "a.graphql").write_text(
        "query Page { user(id: 1) { ...Bits } }\nfragment Bits on User { id }\n"
    )
    (tmp_path / "b.graphql").write_text(
        "query Page { user(id: 2) { id } }\nfragment Bits on User { nickname }\n"
    )
    report = validate_operation_files(SCHEMA, [tmp_path / "a.graphql", tmp_path / "b.graphql"])
    first = tmp_path / "a.graphql"
    assert report.operations == 1
    assert [(Path(p.file).name, p.line, p.message) for p in report.problems] == [
        ("b.graphql", 1, f"There can be only one operation named 'Page' (also in {first}:1)."),
        ("b.graphql", 2, f"There can be only one fragment named 'Bits' (also in {first}:2)."),
    ]
