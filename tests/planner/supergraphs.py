"""Small supergraphs written inline: the type definitions plus join machinery added here."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import parse

from router.planner import plan_operation, print_plan
from router.planner.plan import QueryPlan
from router.supergraph import Supergraph, read_supergraph

_HEADER = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
{{
  query: Query{mutation}
}}

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)
  repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean,
  overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__implements(graph: join__Graph!, interface: String!)
  repeatable on OBJECT | INTERFACE
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

scalar join__FieldSet
scalar link__Import
enum link__Purpose {{ SECURITY EXECUTION }}

enum join__Graph {{
{graphs}
}}
"""


def make_supergraph(types: str, subgraphs: Sequence[str]) -> Supergraph:
    """A supergraph from type definitions using ``@join__*`` with graphs named in upper case."""
    graphs = "\n".join(
        f'  {name.upper()} @join__graph(name: "{name}", url: "http://{name}.test/graphql")'
        for name in subgraphs
    )
    mutation = "\n  mutation: Mutation" if "type Mutation" in types else ""
    return read_supergraph(_HEADER.format(graphs=graphs, mutation=mutation) + types)


def plan(
    supergraph: Supergraph,
    operation: str,
    *,
    labels: frozenset[str] = frozenset(),
    operation_name: str | None = None,
) -> QueryPlan:
    return plan_operation(supergraph, parse(operation), operation_name, override_labels=labels)


def plan_text(supergraph: Supergraph, operation: str, **options: object) -> str:
    return print_plan(plan(supergraph, operation, **options))  # type: ignore[arg-type]
