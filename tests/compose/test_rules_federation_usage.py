"""Misused federation directives: INVALID_SHAREABLE_USAGE, EXTENSION_WITH_NO_BASE,
EXTERNAL_TYPE_MISMATCH, REQUIRED_INACCESSIBLE, @override on an interface object, and
@context / @fromContext."""

from __future__ import annotations

from router.supergraph import read_supergraph
from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", '
    'import: ["@key", "@shareable", "@external", "@requires", "@inaccessible", "@override", '
    '"@interfaceObject", "@context", "@fromContext"])\n'
)


def test_shareable_on_an_interface_field() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { i: I }\ninterface I {\n  x: Int @shareable\n}\n"
        "type T implements I { x: Int }\n"
    )
    [error] = result.errors
    assert error.code == "INVALID_SHAREABLE_USAGE"
    assert (error.subgraph, error.line) == ("a", 4)


def test_shareable_type_does_not_cover_its_extension() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { t: T }\ntype T @shareable { a: Int }\nextend type T { b: Int }\n",
        b=FED2 + "type Query { u: T }\ntype T @shareable { a: Int b: Int }\n",
    )
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert error.message.endswith('defined as non-shareable in subgraph "a"')


def test_federation1_extension_without_base() -> None:
    result = compose_sdls(
        a='type Query { t: T }\ntype T @key(fields: "id") @extends { id: ID! @external x: Int }\n'
    )
    [error] = result.errors
    assert error.code == "EXTENSION_WITH_NO_BASE"
    assert error.message == (
        '[a] Type "T" is an extension type, but there is no type definition for "T" in any '
        "subgraph."
    )
    assert (error.subgraph, error.line) == ("a", 2)


def test_external_declaration_with_another_type() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! w: Int @external '
        + 'total: Int @requires(fields: "w") }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! w: String }\n',
    )
    [error] = result.errors
    assert error.code == "EXTERNAL_TYPE_MISMATCH"
    assert error.message == (
        'Type of field "T.w" is incompatible across subgraphs (where marked @external): it has '
        'type "String" in subgraph "b" but type "Int" in subgraph "a"'
    )
    assert error.subgraph == "a"


def test_required_argument_cannot_be_inaccessible() -> None:
    result = compose_sdls(a=FED2 + "type Query { f(x: Int! @inaccessible): Int }\n")
    assert [error.code for error in result.errors] == ["REQUIRED_INACCESSIBLE"]


def test_override_on_an_interface_object_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: [Account] }\ninterface Account @key(fields: "id") { id: ID! }\n'
        + 'type User implements Account @key(fields: "id") { id: ID! }\n',
        b=FED2
        + 'type Account @key(fields: "id") @interfaceObject { id: ID! score: Int '
        + '@override(from: "c") }\n',
        c=FED2 + 'type Account @key(fields: "id") @interfaceObject { id: ID! score: Int }\n',
    )
    codes = {error.code for error in result.errors}
    assert codes == {"OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE", "INVALID_FIELD_SHARING"}
    sharing = next(e for e in result.errors if e.code == "INVALID_FIELD_SHARING")
    assert sharing.subgraph == "b"
    assert '"b" (through @interfaceObject field "Account.score")' in sharing.message


def test_context_arguments_become_join_context_arguments() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") @context(name: "ctx") '
        + "{ id: ID! prop: String! u: U! }\n"
        + 'type U @key(fields: "id") { id: ID! '
        + 'field(a: String @fromContext(field: "$ctx { prop }")): Int! }\n'
    )
    assert result.supergraph_sdl is not None, result.errors
    sdl = result.supergraph_sdl
    assert '@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)' in sdl
    assert '@context(name: "a__ctx")' in sdl
    assert (
        'field: Int! @join__field(graph: A, contextArguments: [{context: "a__ctx", name: '
        '"a", type: "String", selection: " { prop }"}])'
    ) in sdl
    [argument] = read_supergraph(sdl).types["U"].fields["field"].sources["a"].context_arguments
    assert (argument.context, argument.selection) == ("a__ctx", " { prop }")


def test_interface_object_without_the_interface_anywhere() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: Int }\n",
        b=FED2 + 'type Account @key(fields: "id") @interfaceObject { id: ID! }\n',
    )
    [error] = result.errors
    assert error.code == "INTERFACE_OBJECT_USAGE_ERROR"
    assert (error.subgraph, error.line) == ("b", 2)


def test_kind_mismatch_with_an_input_also_empties_the_input() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(t: T): Int }\ninput T { x: Int }\n",
        b=FED2 + "type Query { b: T }\ntype T { x: Int }\n",
    )
    assert [error.code for error in result.errors] == [
        "TYPE_KIND_MISMATCH",
        "EMPTY_MERGED_INPUT_TYPE",
    ]
    assert "InputObject Type" in result.errors[0].message


def test_federation2_extend_type_without_a_definition_anywhere() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { u: User }\nextend type User @key(fields: "id") { id: ID! }\n'
    )
    [error] = result.errors
    assert error.code == "EXTENSION_WITH_NO_BASE"
    assert (error.subgraph, error.line) == ("a", 3)


def test_federation2_extends_directive_needs_no_base() -> None:
    result = compose_sdls(
        a=FED2.replace('"@key",', '"@key", "@extends",')
        + 'type Query { u: User }\ntype User @key(fields: "id") @extends { id: ID! }\n'
    )
    assert result.supergraph_sdl is not None, result.errors
    assert '@join__type(graph: A, key: "id", extension: true)' in result.supergraph_sdl


def test_interface_key_needs_every_implementation_in_its_subgraph() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: Account }\ninterface Account @key(fields: "id") { id: ID! }\n'
        + 'type User implements Account @key(fields: "id") { id: ID! }\n',
        b=FED2
        + 'interface Account { id: ID! }\ntype Bot implements Account @key(fields: "id") '
        + "{ id: ID! }\n",
    )
    [error] = result.errors
    assert error.code == "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE"
    assert 'Subgraph "a" should define type "Bot"' in error.message


def test_federation_directive_in_the_wrong_place_is_invalid_graphql() -> None:
    result = compose_sdls(a=FED2 + "type Query { a(x: Int @shareable): Int }\n")
    [error] = result.errors
    assert error.code == "INVALID_GRAPHQL"
    assert error.message == '[a] Directive "@shareable" may not be used on ARGUMENT_DEFINITION.'
    assert (error.subgraph, error.line) == ("a", 2)


def test_shareable_twice_on_one_field() -> None:
    result = compose_sdls(a=FED2 + "type Query { a: Int @shareable @shareable }\n")
    [error] = result.errors
    assert error.code == "INVALID_SHAREABLE_USAGE"
    assert "Invalid duplicate application of @shareable on field" in error.message


def test_federation2_directive_in_a_federation1_subgraph() -> None:
    result = compose_sdls(a="type Query { a: Int @shareable }\n")
    [error] = result.errors
    assert error.code == "INVALID_GRAPHQL"
    assert "note that this schema is a federation 1 schema" in error.message


def test_external_and_provides_on_one_field() -> None:
    result = compose_sdls(
        a=FED2.replace('"@key",', '"@key", "@provides",')
        + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! u: U @external '
        + '@provides(fields: "x") }\ntype U { x: Int }\n'
    )
    assert [error.code for error in result.errors] == ["EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE"]


def test_directives_interfaces_do_not_support() -> None:
    old = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.2", '
        'import: ["@key", "@provides"])\n'
    )
    result = compose_sdls(
        a=old
        + "type Query { i: I }\n"
        + 'interface I @key(fields: "id") { id: ID! t: T @provides(fields: "x") }\n'
        + 'type Impl implements I @key(fields: "id") { id: ID! t: T }\n'
        + "type T { x: Int }\n"
    )
    assert {error.code for error in result.errors} == {
        "KEY_UNSUPPORTED_ON_INTERFACE",
        "PROVIDES_UNSUPPORTED_ON_INTERFACE",
        "PROVIDES_FIELDS_MISSING_EXTERNAL",
    }


def test_override_on_an_interface_field() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { i: I }\ninterface I { x: Int }\ntype T implements I { x: Int }\n",
        b=FED2
        + 'interface I { x: Int @override(from: "a") }\n'
        + "type U implements I { x: Int }\ntype Query { u: U }\n",
    )
    assert "OVERRIDE_ON_INTERFACE" in {error.code for error in result.errors}


def test_inaccessible_implementation_of_a_visible_interface_field() -> None:
    result = compose_sdls(
        a=FED2
        + "type Query { i: I }\ninterface I { x: Int }\n"
        + "type T implements I { x: Int @inaccessible y: Int }\n"
    )
    [error] = result.errors
    assert error.code == "IMPLEMENTED_BY_INACCESSIBLE"
    assert error.message == (
        'Field "T.x" is @inaccessible but implements the interface field "I.x", which is in '
        "the API schema."
    )


def test_interface_object_that_cannot_reach_the_implementations() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: [Account] }\ninterface Account @key(fields: "id", resolvable: false) '
        + '{ id: ID! }\ntype User implements Account @key(fields: "id") { id: ID! }\n',
        b=FED2
        + 'type Account @key(fields: "id") @interfaceObject { id: ID! score: Int }\n'
        + "type Query { top: [Account] }\n",
    )
    [error] = result.errors
    assert error.code == "SATISFIABILITY_ERROR"
    assert error.message.endswith(
        '- from subgraph "b": no subgraph can be reached to resolve the implementation type '
        'of @interfaceObject type "Account".'
    )


def test_importing_what_the_federation_version_does_not_define() -> None:
    result = compose_sdls(
        a='extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", '
        'import: ["@key", "@foo", "@composeDirective"])\ntype Query { a: Int }\n'
    )
    assert [error.message for error in result.errors] == [
        '[a] Cannot import unknown element "@foo".',
        '[a] Cannot import unknown element "@composeDirective".',
    ]
    assert {error.code for error in result.errors} == {"INVALID_LINK_DIRECTIVE_USAGE"}


def test_interface_object_subgraph_defining_an_implementation() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: I }\ninterface I @key(fields: "id") { id: ID! }\n'
        + 'type X implements I @key(fields: "id") { id: ID! }\n'
        + 'type Y implements I @key(fields: "id") { id: ID! }\n',
        b=FED2
        + 'type I @key(fields: "id") @interfaceObject { id: ID! n: Int }\n'
        + 'type Y @key(fields: "id") { id: ID! }\ntype X @key(fields: "id") { id: ID! }\n',
    )
    [error] = result.errors
    assert error.code == "INTERFACE_OBJECT_USAGE_ERROR"
    assert error.message == (
        'Interface type "I" is defined as an @interfaceObject in subgraph "b" so that subgraph '
        'should not define any of the implementation types of "I", but it defines types "X" '
        'and "Y"'
    )
    assert (error.subgraph, error.line) == ("b", 2)


def test_unknown_federation_version() -> None:
    result = compose_sdls(
        a='extend schema @link(url: "https://specs.apollo.dev/federation/v2.99", '
        'import: ["@key"])\ntype Query { a: Int }\n'
    )
    [error] = result.errors
    assert error.code == "UNKNOWN_FEDERATION_LINK_VERSION"
    assert error.message == (
        "[a] Invalid version v2.99 for the federation feature in @link directive on schema"
    )


def test_auth_requirements_on_an_interface_field() -> None:
    result = compose_sdls(
        a='extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@policy"])\ninterface I { x: Int @policy(policies: [["p"]]) }\n'
        "type A implements I { x: Int }\ntype Query { i: I }\n"
    )
    [error] = result.errors
    assert error.code == "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE"
    assert error.message == (
        '[a] Invalid use of @policy on field "I.x": @policy cannot be applied on interfaces, '
        "interface fields and interface objects"
    )
    assert (error.subgraph, error.line) == ("a", 2)


def test_from_context_naming_a_context_never_set() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") @context(name: "ctx") '
        "{ id: ID! prop: String! u: U! }\n"
        'type U @key(fields: "id") { id: ID! '
        'f(a: String @fromContext(field: "$other { prop }")): Int }\n'
    )
    [error] = result.errors
    assert error.code == "CONTEXT_NOT_SET"
    assert error.message == '[a] Context "other" is used at location "U.f(a:)" but is never set.'


def test_context_name_with_an_underscore() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") @context(name: "my_ctx") '
        "{ id: ID! }\n"
    )
    [error] = result.errors
    assert error.code == "CONTEXT_NAME_INVALID"
    assert error.message == '[a] Context name "my_ctx" may not contain an underscore.'
