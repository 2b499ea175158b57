"""SATISFIABILITY_ERROR: fields no query plan can reach."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@provides", "@interfaceObject"])\n'
)


def test_value_type_field_only_in_another_subgraph_without_key() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { w: W }\ntype W @shareable { code: String }\n",
        b=FED2 + "type Query { ws: [W] }\ntype W @shareable { code: String hours: String }\n",
    )
    [error] = result.errors
    assert error.code == "SATISFIABILITY_ERROR"
    assert error.message == (
        "The following supergraph API query:\n{\n  w {\n    hours\n  }\n}\n"
        "cannot be satisfied by the subgraphs because:\n"
        '- from subgraph "a":\n'
        '  - cannot find field "W.hours".\n'
        '  - cannot move to subgraph "b", which has field "W.hours", because type "W" has no '
        '@key defined in subgraph "b".'
    )


def test_key_whose_fields_the_first_subgraph_cannot_provide() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t(id: ID!): T }\ntype T @key(fields: "id") { id: ID! }\n',
        b=FED2 + 'type T @key(fields: "sku") { sku: ID! name: String }\n',
    )
    assert {error.code for error in result.errors} == {"SATISFIABILITY_ERROR"}
    assert len(result.errors) == 2
    assert 't(id: "<any id>") {' in result.errors[0].message
    assert (
        'cannot move to subgraph "b" using @key(fields: "sku") of "T", the key field(s) cannot '
        'be resolved from subgraph "a".'
    ) in result.errors[0].message


def test_non_resolvable_key_does_not_make_a_field_reachable() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id", resolvable: false) { id: ID! }\n',
        b=FED2 + 'type T @key(fields: "id", resolvable: false) { id: ID! name: String }\n',
    )
    assert {error.code for error in result.errors} == {"SATISFIABILITY_ERROR"}


def test_entity_jump_and_provides_make_fields_reachable() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T @provides(fields: "note") }\n'
        + 'type T @key(fields: "id") { id: ID! note: String @external }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! note: String @shareable more: Int }\n',
    )
    assert result.ok, result.errors


def test_interface_object_fields_reach_implementations() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: Account }\ninterface Account @key(fields: "id") { id: ID! }\n'
        + 'type User implements Account @key(fields: "id") { id: ID! }\n',
        b=FED2 + 'type Account @key(fields: "id") @interfaceObject { id: ID! score: Int }\n',
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert "  score: Int @join__field\n" in result.supergraph_sdl


def test_a_field_reachable_through_another_plan_is_satisfiable() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T @provides(fields: "v { w }") }\n'
        + 'type T @key(fields: "id") { id: ID! v: V @external }\n'
        + "type V @shareable { w: Int }\n",
        b=FED2
        + 'type T @key(fields: "id") { id: ID! v: V @shareable }\n'
        + "type V @shareable { w: Int z: Int }\n",
    )
    assert result.ok, result.errors


def test_two_key_jumps() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! }\n',
        b=FED2 + 'type T @key(fields: "id") @key(fields: "sku") { id: ID! sku: String! }\n',
        c=FED2 + 'type T @key(fields: "sku") { sku: String! name: String }\n',
    )
    assert result.ok, result.errors


def test_requires_whose_fields_cannot_be_fetched() -> None:
    result = compose_sdls(
        a=FED2.replace('"@provides",', '"@provides", "@requires",')
        + 'type Query { t: T }\ntype T @key(fields: "id") '
        + '{ id: ID! w: Int @external total: Int @requires(fields: "w") }\n',
        b=FED2 + 'type T @key(fields: "id", resolvable: false) { id: ID! w: Int }\n',
    )
    messages = [error.message for error in result.errors]
    assert all(error.code == "SATISFIABILITY_ERROR" for error in result.errors)
    assert any(
        '- from subgraph "a": cannot satisfy @require conditions on field "T.total".' in message
        for message in messages
    )
    assert any(
        'field "T.w" is not resolvable because marked @external.' in message
        and 'are resolvable (they are all declared with their "resolvable" argument set to false).'
        in message
        for message in messages
    )


def test_query_path_prints_every_argument_and_elides_a_composite_end() -> None:
    result = compose_sdls(
        a=FED2
        + "type Query { w(first: Int = 5, filter: F!, tags: [String!], code: Code!): W }\n"
        + "input F { from: Int! to: Int }\nscalar Code\n"
        + "type W @shareable { code: String }\n",
        b=FED2
        + "type Query { ws: [W!]! }\ntype W @shareable { code: String v: V }\n"
        + "type V @shareable { z: Int }\n",
    )
    [error] = result.errors
    assert error.message.startswith(
        "The following supergraph API query:\n{\n"
        '  w(first: 0, filter: {from: 0}, tags: [], code: "<some value>") {\n'
        "    v {\n      ...\n    }\n  }\n}\n"
    )


def test_long_argument_lists_are_printed_one_per_line() -> None:
    arguments = ", ".join(f"argument{index}: String!" for index in range(4))
    result = compose_sdls(
        a=FED2 + f"type Query {{ w({arguments}): W }}\ntype W @shareable {{ code: String }}\n",
        b=FED2 + "type Query { ws: [W!]! }\ntype W @shareable { code: String hours: Int }\n",
    )
    [error] = result.errors
    assert '{\n  w(\n    argument0: "A string value"\n' in error.message
    assert '    argument3: "A string value"\n  ) {\n    hours\n  }\n}' in error.message


def test_progressive_override_must_work_with_the_label_on_and_off() -> None:
    labelled = FED2.replace('"@provides",', '"@provides", "@override",')
    result = compose_sdls(
        a=labelled + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }\n',
        b=labelled
        + 'type T @key(fields: "id", resolvable: false) '
        + '{ id: ID! x: Int @override(from: "a", label: "beta") }\n',
    )
    [error] = result.errors
    assert error.code == "SATISFIABILITY_ERROR"
    assert (
        "Unable to take edge T(a) -> Int(a) (beta = false ⊢ x) because override condition "
        '"beta" is true.'
    ) in error.message
