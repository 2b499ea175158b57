"""``compose(subgraphs)``: subgraph SDLs → a validated supergraph model and its SDL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from router.compose.errors import CompositionError, Diagnostics
from router.compose.federation_spec import join_version_for
from router.compose.merge.auth_propagation import propagate_requirements_to_interfaces
from router.compose.merge.context import MergeContext, graph_enum_values
from router.compose.merge.types import merge_types
from router.compose.passthrough import passthrough_features
from router.compose.satisfiability import validate_satisfiability
from router.compose.subgraph import (
    SubgraphParseError,
    SubgraphSchema,
    parse_subgraph_sdl,
    read_subgraph,
)
from router.compose.supergraph_links import composed_directives
from router.compose.validate.auth_on_interfaces import validate_auth_on_interfaces
from router.compose.validate.compose_directive import validate_compose_directives
from router.compose.validate.contexts import validate_contexts
from router.compose.validate.directive_definitions import validate_directive_definitions
from router.compose.validate.directive_usage import (
    validate_directive_usage,
    validate_external_collisions,
)
from router.compose.validate.extensions import (
    validate_extensions_have_base,
    validate_federation1_extensions,
)
from router.compose.validate.external import (
    validate_external_on_base,
    validate_external_used,
    validate_merged_directives_on_external,
)
from router.compose.validate.graphql_validity import validate_graphql
from router.compose.validate.inaccessible import validate_inaccessible
from router.compose.validate.inaccessible_defaults import validate_inaccessible_defaults
from router.compose.validate.interface_fields import (
    validate_interface_fields,
    validate_overrides_on_interfaces,
)
from router.compose.validate.interface_implementations import (
    validate_interface_implementations,
)
from router.compose.validate.interface_keys import validate_interface_key_implementations
from router.compose.validate.interface_objects import validate_interface_objects
from router.compose.validate.keys import validate_keys
from router.compose.validate.link_imports import validate_link_imports
from router.compose.validate.list_size import validate_list_size
from router.compose.validate.merged_directive_names import validate_merged_directive_names
from router.compose.validate.override import validate_overrides
from router.compose.validate.requires_provides import (
    validate_provides_targets,
    validate_requires_provides,
)
from router.compose.validate.roots import validate_roots
from router.compose.validate.shareable_usage import validate_shareable_usage
from router.compose.validate.sharing import validate_sharing
from router.compose.validate.transitive_auth import validate_transitive_auth_requirements
from router.supergraph.model import Link, NamedType, Subgraph, Supergraph
from router.supergraph.printer import default_links, print_supergraph
from router.supergraph.reader import read_supergraph


@dataclass(frozen=True, slots=True)
class SubgraphSource:
    name: str  # e.g. "products"
    url: str  # routing URL, e.g. "http://localhost:4002/graphql"
    sdl: str  # Federation 2 (with @link) or Federation 1 style SDL
    path: str | None = None  # file it came from, for error messages


@dataclass(slots=True)
class CompositionResult:
    supergraph_sdl: str | None  # None when errors
    errors: list[CompositionError]
    hints: list[CompositionError]
    supergraph: Supergraph | None = None  # ``supergraph_sdl`` read back into the model

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


def _read_subgraphs(
    sources: Sequence[SubgraphSource], diagnostics: Diagnostics
) -> list[SubgraphSchema]:
    schemas: list[SubgraphSchema] = []
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            diagnostics.error(
                "INVALID_SUBGRAPH_NAME", f'A subgraph named "{source.name}" is listed twice'
            )
            continue
        seen.add(source.name)
        try:
            document = parse_subgraph_sdl(source.name, source.sdl)
        except SubgraphParseError as parse_error:
            error = parse_error.error
            line, column = (
                (error.locations[0].line, error.locations[0].column)
                if error.locations
                else (None, None)
            )
            diagnostics.errors.append(
                CompositionError(
                    "INVALID_GRAPHQL", f"[{source.name}] {error.message}", source.name, line, column
                )
            )
            continue
        schemas.append(read_subgraph(source.name, source.url, document))
    return schemas


def _validate_subgraph(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    errors_before = len(diagnostics.errors)
    validate_link_imports(subgraph, diagnostics)
    validate_directive_definitions(subgraph, diagnostics)
    if len(diagnostics.errors) > errors_before:
        return
    if not validate_graphql(subgraph, diagnostics):
        return
    errors_before = len(diagnostics.errors)
    validate_external_collisions(subgraph, diagnostics)
    if len(diagnostics.errors) == errors_before:
        validate_provides_targets(subgraph, diagnostics)
    if len(diagnostics.errors) > errors_before:
        return
    validate_directive_usage(subgraph, diagnostics)
    validate_interface_fields(subgraph, diagnostics)
    validate_list_size(subgraph, diagnostics)
    validate_auth_on_interfaces(subgraph, diagnostics)
    validate_contexts(subgraph, diagnostics)
    validate_keys(subgraph, diagnostics)
    validate_shareable_usage(subgraph, diagnostics)
    selected = validate_requires_provides(subgraph, diagnostics)
    validate_external_used(subgraph, selected, diagnostics)


def compose_supergraph(sources: Sequence[SubgraphSource]) -> tuple[Supergraph | None, Diagnostics]:
    """The merged, validated supergraph model (None when composition fails)."""
    diagnostics = Diagnostics()
    if not sources:
        diagnostics.error("NO_SUBGRAPHS", "No subgraphs to compose")
        return None, diagnostics
    subgraphs = _read_subgraphs(sources, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    for subgraph in subgraphs:
        _validate_subgraph(subgraph, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    for subgraph in subgraphs:
        validate_compose_directives(subgraph, diagnostics)
    validate_merged_directive_names(subgraphs, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    context = MergeContext(subgraphs=subgraphs, diagnostics=diagnostics)
    if validate_federation1_extensions(subgraphs, diagnostics):
        # Federation 1 subgraphs are upgraded first; a failed upgrade stops composition.
        return None, diagnostics
    without_base = validate_extensions_have_base(subgraphs, diagnostics)
    validate_roots(subgraphs, diagnostics)
    validate_interface_objects(subgraphs, diagnostics)
    validate_overrides(subgraphs, diagnostics)
    validate_overrides_on_interfaces(subgraphs, diagnostics)
    types = merge_types(context)
    propagate_requirements_to_interfaces(types)
    validate_interface_implementations(subgraphs, types, diagnostics)
    validate_external_on_base(subgraphs, types, without_base, diagnostics)
    validate_merged_directives_on_external(subgraphs, diagnostics)
    validate_sharing(subgraphs, types, diagnostics)
    validate_interface_key_implementations(subgraphs, types, diagnostics)
    validate_transitive_auth_requirements(subgraphs, types, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    validate_inaccessible(subgraphs, types, diagnostics)
    validate_inaccessible_defaults(subgraphs, types, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    supergraph = _build_supergraph(subgraphs, context)
    validate_satisfiability(supergraph, diagnostics)
    if diagnostics.failed():
        return None, diagnostics
    return supergraph, diagnostics


def _build_supergraph(subgraphs: list[SubgraphSchema], context: MergeContext) -> Supergraph:
    types = context.types
    versions = [s.federation_version for s in subgraphs if s.federation_version is not None]
    join_version = join_version_for(versions)
    definitions, feature_links = composed_directives(subgraphs)
    links = default_links(
        join_version,
        tags=_any_marked(types, "tags"),
        inaccessible=_any_marked(types, "inaccessible"),
    )
    links = [_with_local_name(link, subgraphs) for link in links]
    passthrough_links, passthrough_definitions, scalars = passthrough_features(
        types, _authorization_local_names(subgraphs)
    )
    links.extend(passthrough_links)
    links.extend(feature_links)
    definitions = passthrough_definitions + definitions
    for scalar in scalars:
        types.setdefault(scalar.name, scalar)
    roots = {operation for subgraph in subgraphs for operation in subgraph.roots}
    graph_ids = graph_enum_values([subgraph.name for subgraph in subgraphs])
    return Supergraph(
        subgraphs={
            subgraph.name: Subgraph(subgraph.name, graph_ids[subgraph.name], subgraph.url)
            for subgraph in subgraphs
        },
        types=types,
        query_type="Query",
        mutation_type="Mutation" if "mutation" in roots else None,
        subscription_type="Subscription" if "subscription" in roots else None,
        links=links,
        directives=definitions,
        join_version=join_version,
    )


_AUTHORIZATION = ("authenticated", "requiresScopes", "policy")


def _authorization_local_names(subgraphs: list[SubgraphSchema]) -> dict[str, str]:
    """The authorization directives' names in the subgraphs applying them, where they agree."""
    names: dict[str, str] = {}
    for directive in _AUTHORIZATION:
        local_names = {
            subgraph.local(directive)
            for subgraph in subgraphs
            if subgraph.uses_directive(subgraph.local(directive))
        }
        if len(local_names) == 1:
            names[directive] = local_names.pop()
    return names


def _any_marked(types: dict[str, NamedType], attribute: str) -> bool:
    def marked(element: object) -> bool:
        return bool(getattr(element, attribute))

    for named in types.values():
        if marked(named):
            return True
        for merged in named.fields.values():
            if marked(merged) or any(marked(arg) for arg in merged.arguments.values()):
                return True
        elements = [*named.values.values(), *named.input_fields.values()]
        if any(marked(element) for element in elements):
            return True
    return False


def _with_local_name(link: Link, subgraphs: list[SubgraphSchema]) -> Link:
    """@tag / @inaccessible keep the name the subgraphs use when they all agree on one."""
    if link.name not in ("tag", "inaccessible"):
        return link
    local_names = {
        subgraph.names[link.name]
        for subgraph in subgraphs
        if subgraph.uses_directive(subgraph.names[link.name])
    }
    if len(local_names) != 1:
        return link
    local = local_names.pop()
    if local == link.name:
        return link
    return Link(link.url, link.alias, link.purpose, (f"@{link.name}=@{local}",))


def compose(subgraphs: Sequence[SubgraphSource]) -> CompositionResult:
    """Compose ``subgraphs`` into a supergraph SDL, or report why it cannot be done."""
    composed, diagnostics = compose_supergraph(subgraphs)
    if composed is None:
        return CompositionResult(None, diagnostics.errors, diagnostics.hints)
    sdl = print_supergraph(composed)
    # The model handed out is the printed SDL read back: exactly what a router loading the
    # supergraph file would serve.
    return CompositionResult(sdl, diagnostics.errors, diagnostics.hints, read_supergraph(sdl))
