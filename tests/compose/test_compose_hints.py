"""Non-fatal findings are reported as hints with Apollo's codes and wording."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@override"])\n'
)


def test_inconsistent_descriptions_name_the_chosen_one() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\n"Left"\ntype T @shareable { x: Int }\n',
        b=FED2 + 'type Query { u: T }\n"Right"\ntype T @shareable { x: Int }\n',
    )
    assert result.ok, result.errors
    [hint] = result.hints
    assert hint.code == "INCONSISTENT_DESCRIPTION"
    assert hint.message == (
        'Element "T" has inconsistent descriptions across subgraphs. The supergraph will use '
        'description (from subgraph "a"):\n  """\n  Left\n  """\n'
        'In subgraph "b", the description is:\n  """\n  Right\n  """'
    )
    assert (hint.subgraph, hint.line) == ("a", 3)


def test_compatible_field_types() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { t: T }\ntype T @shareable { x: Int }\n",
        b=FED2 + "type Query { u: T }\ntype T @shareable { x: Int! }\n",
    )
    [hint] = result.hints
    assert hint.code == "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"
    assert hint.message == (
        'Type of field "T.x" is inconsistent but compatible across subgraphs: will use type '
        '"Int" (from subgraph "a") in supergraph but "T.x" has subtype "Int!" in subgraph "b".'
    )


def test_override_hints() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2
        + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") '
        + 'y: Int @override(from: "a") z: Int @override(from: "gone") }\n',
    )
    assert result.ok, result.errors
    assert sorted(hint.code for hint in result.hints) == [
        "FROM_SUBGRAPH_DOES_NOT_EXIST",
        "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
        "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
    ]


def test_output_enum_and_union_partial_definitions() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { e: E u: U }\nenum E { X Y }\nunion U = A | B\n"
        "type A @shareable { a: Int }\ntype B { b: Int }\n",
        b=FED2
        + "type Query { f: E v: U }\nenum E { X }\nunion U = A\ntype A @shareable { a: Int }\n",
    )
    assert result.ok, result.errors
    codes = sorted(hint.code for hint in result.hints)
    assert "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM" in codes
    assert "INCONSISTENT_UNION_MEMBER" in codes
