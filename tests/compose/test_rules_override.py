"""@override: ownership moves, labels, OVERRIDE_SOURCE_HAS_OVERRIDE and friends."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@override", "@requires", "@external"])\n'
)


def test_plain_override_drops_the_source_field() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }\n',
    )
    assert result.supergraph is not None, result.errors
    field = result.supergraph.types["T"].fields["x"]
    assert list(field.sources) == ["b"]
    assert field.sources["b"].override == "a"
    assert 'x: Int @join__field(graph: B, override: "a")' in (result.supergraph_sdl or "")


def test_progressive_override_keeps_both_with_the_label() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2
        + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a", label: "percent(30)") }\n',
    )
    assert result.supergraph_sdl is not None, result.errors
    assert (
        'x: Int @join__field(graph: A, overrideLabel: "percent(30)") '
        '@join__field(graph: B, override: "a", overrideLabel: "percent(30)")'
    ) in result.supergraph_sdl


def test_overridden_field_still_used_by_a_key_is_marked_used_overridden() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") @key(fields: "x") { id: ID! x: Int }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }\n',
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph.types["T"].fields["x"].sources["a"].used_overridden
    assert (
        'x: Int @join__field(graph: A, usedOverridden: true) @join__field(graph: B, override: "a")'
    ) in (result.supergraph_sdl or "")


def test_override_of_a_field_that_is_itself_overridden() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") {\n  id: ID!\n'
        + '  x: Int @override(from: "b")\n}\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }\n',
    )
    codes = [error.code for error in result.errors]
    assert codes.count("OVERRIDE_SOURCE_HAS_OVERRIDE") == 2
    assert "INVALID_FIELD_SHARING" in codes
    first = result.errors[0]
    assert first.message == (
        'Field "T.x" on subgraph "a" is also marked with directive @override in subgraph "b". '
        "Only one @override directive is allowed per field."
    )
    assert (first.subgraph, first.line) == ("a", 5)


def test_override_from_itself() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int @override(from: "a") }\n'
    )
    assert [error.code for error in result.errors] == ["OVERRIDE_FROM_SELF_ERROR"]


def test_sharing_error_mentions_an_override_from_an_unknown_subgraph() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "typo") }\n',
    )
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert error.message.endswith(
        '(please note that "T.x" has an @override directive in "b" that targets an unknown '
        "subgraph so this could be due to misspelling the @override(from:) argument)"
    )


def test_label_may_contain_slashes() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2
        + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a", label: "ff/beta.2") }\n',
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph.types["T"].fields["x"].sources["b"].override_label == "ff/beta.2"


def test_invalid_label_message() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "a", label: "9") }\n',
    )
    [error] = result.errors
    assert error.code == "OVERRIDE_LABEL_INVALID"
    assert error.message.endswith(
        "colons, periods, or slashes. Alternatively, labels may be of the form "
        '"percent(x)" where x is a float between 0-100 inclusive.'
    )


def test_invalid_label_is_not_checked_when_the_source_subgraph_is_unknown() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @override(from: "z", label: "9") }\n',
    )
    assert result.ok, result.errors


def test_override_of_a_field_with_requires_is_void() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! w: Int @external '
        + 'x: Int @requires(fields: "w") }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! w: Int x: Int @override(from: "a") }\n',
    )
    codes = sorted(error.code for error in result.errors)
    assert codes == ["INVALID_FIELD_SHARING", "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE"]
    [collision] = [e for e in result.errors if e.code.startswith("OVERRIDE_COLLISION")]
    assert collision.message == (
        '@override cannot be used on field "T.x" on subgraph "b" since "T.x" on "a" is marked '
        'with directive "@requires"'
    )
