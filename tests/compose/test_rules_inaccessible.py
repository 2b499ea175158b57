"""@inaccessible: propagation into the supergraph, REFERENCED_INACCESSIBLE, only-hidden children."""

from __future__ import annotations

from graphql import GraphQLObjectType

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@inaccessible", "@tag", "@shareable"])\n'
)


def test_inaccessible_type_referenced_by_a_visible_field() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { s: Secret }\n\ntype Secret @inaccessible { x: Int }\n"
    )
    [error] = result.errors
    assert error.code == "REFERENCED_INACCESSIBLE"
    assert error.message == (
        'Type "Secret" is @inaccessible but is referenced by "Query.s", which is in the API schema.'
    )
    assert (error.subgraph, error.line) == ("a", 4)


def test_inaccessible_in_one_subgraph_hides_the_merged_field_from_the_api_schema() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { t: T }\ntype T @shareable { x: Int @inaccessible y: Int }\n",
        b=FED2 + "type Query { u: T }\ntype T @shareable { x: Int y: Int }\n",
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph_sdl is not None
    assert '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)' in (
        result.supergraph_sdl
    )
    assert "  x: Int @inaccessible\n" in result.supergraph_sdl
    api_type = result.supergraph.api_schema.get_type("T")
    assert isinstance(api_type, GraphQLObjectType)
    assert set(api_type.fields) == {"y"}


def test_every_field_inaccessible() -> None:
    result = compose_sdls(a=FED2 + "type Query { t: T }\ntype T { x: Int @inaccessible }\n")
    assert [error.code for error in result.errors] == ["ONLY_INACCESSIBLE_CHILDREN"]


def test_tags_are_merged_and_linked() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T @tag(name: "public") }\ntype T @shareable { x: Int }\n',
        b=FED2 + 'type Query { u: T }\ntype T @shareable @tag(name: "team") { x: Int }\n',
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph.types["T"].tags == ["team"]
    assert result.supergraph.types["Query"].fields["t"].tags == ["public"]
    assert '@link(url: "https://specs.apollo.dev/tag/v0.3")' in (result.supergraph_sdl or "")


def test_subgraphs_must_agree_on_the_inaccessible_directive_name() -> None:
    namespaced = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7")\n'
    result = compose_sdls(
        a=FED2 + "type Query { a: Int @inaccessible b: Int }\n",
        b=namespaced + "type Query { c: Int @federation__inaccessible d: Int }\n",
    )
    [error] = result.errors
    assert error.code == "LINK_IMPORT_NAME_MISMATCH"
    assert error.message == (
        'The "@inaccessible" directive (from https://specs.apollo.dev/federation/v2.7) is '
        "imported with mismatched name between subgraphs: it is imported as "
        '"@federation__inaccessible" in subgraph "b" but "@inaccessible" in subgraph "a"'
    )


def test_default_value_naming_an_inaccessible_enum_value() -> None:
    result = compose_sdls(
        a=FED2 + "enum Mode { FAST SLOW @inaccessible }\n"
        "type Query { a(m: [Mode] = [FAST, SLOW]): Int b(m: Mode = SLOW @inaccessible): Int }\n"
    )
    [error] = result.errors
    assert error.code == "DEFAULT_VALUE_USES_INACCESSIBLE"
    assert error.message == (
        'Enum value "Mode.SLOW" is @inaccessible but is used in the default value of '
        '"Query.a(m:)", which is in the API schema.'
    )
    assert (error.subgraph, error.line) == ("a", 2)


def test_default_value_naming_an_inaccessible_input_field() -> None:
    result = compose_sdls(
        a=FED2 + "input In { x: Int y: Int @inaccessible }\n"
        "type Query { a(i: In = {x: 1, y: 2}): Int b(i: In = {x: 1}): Int }\n"
    )
    [error] = result.errors
    assert error.code == "DEFAULT_VALUE_USES_INACCESSIBLE"
    assert error.message.startswith('Input field "In.y" is @inaccessible but is used in the ')


def test_query_root_type_cannot_be_inaccessible() -> None:
    result = compose_sdls(
        a=FED2 + "schema { query: Root }\ntype Root @inaccessible { a: Int }\n",
        b=FED2 + "type Query { b: Int }\n",
    )
    [error] = result.errors
    assert error.code == "QUERY_ROOT_TYPE_INACCESSIBLE"
    assert (error.subgraph, error.line) == ("a", 3)


def test_union_with_only_inaccessible_members() -> None:
    result = compose_sdls(
        a=FED2 + "union U = A | B\ntype A @inaccessible { a: Int }\n"
        "type B @inaccessible { b: Int }\ntype Query { u: U }\n"
    )
    [error] = result.errors
    assert error.code == "ONLY_INACCESSIBLE_CHILDREN"
    assert (
        error.message == 'Type "U" is in the API schema but all of its members are @inaccessible.'
    )
