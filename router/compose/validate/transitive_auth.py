"""MISSING_TRANSITIVE_AUTH_REQUIREMENTS: a field that @requires other fields (or whose
argument takes them @fromContext) hands their data to its resolver, so it must demand at least
the authorization requirements of every field its selection reaches (@authenticated, and
@requiresScopes / @policy alternatives that each include one of the required field's
alternatives)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from router.compose.errors import Diagnostics
from router.compose.fieldset_walk import SelectedField, walk_field_set
from router.compose.merge.decorations import conjunction, requirement_alternatives
from router.compose.subgraph import SubgraphField, SubgraphSchema
from router.federation.field_sets import FieldSetError
from router.federation.type_refs import named_type
from router.supergraph.model import AppliedDirective, NamedType

_ALTERNATIVES = ("requiresScopes", "policy")
_CONTEXT_REFERENCE = re.compile(r"\s*\$([_A-Za-z][_0-9A-Za-z]*)(.*)", re.DOTALL)


@dataclass(slots=True)
class Requirements:
    """What it takes to read an element: authentication and, per directive, a conjunction of
    disjunctions (each a list of alternatives, each alternative a set of names)."""

    authenticated: bool = False
    conditions: dict[str, list[list[frozenset[str]]]] = field(default_factory=dict)

    def add(self, directives: Iterable[AppliedDirective]) -> None:
        for directive in directives:
            if directive.name == "authenticated":
                self.authenticated = True
            elif directive.name in _ALTERNATIVES:
                alternatives = requirement_alternatives(directive)
                if alternatives:
                    self.conditions.setdefault(directive.name, []).append(
                        [frozenset(alternative) for alternative in alternatives]
                    )

    def imply(self, needed: Requirements) -> bool:
        """Whether meeting these requirements always meets ``needed`` too."""
        if needed.authenticated and not self.authenticated:
            return False
        for name, disjunctions in needed.conditions.items():
            for disjunction in disjunctions:
                if not self._imply_disjunction(name, disjunction):
                    return False
        return True

    def _imply_disjunction(self, name: str, needed: list[frozenset[str]]) -> bool:
        # Ours, as one disjunction, implies ``needed`` when every one of our alternatives
        # includes one of ``needed``'s alternatives.
        ours = conjunction([[sorted(a) for a in d] for d in self.conditions.get(name, [])])
        return all(any(other <= set(alternative) for other in needed) for alternative in ours)


def _requirements(types: dict[str, NamedType], type_name: str, field_name: str) -> Requirements:
    requirements = Requirements()
    parent = types.get(type_name)
    if parent is None:
        return requirements
    requirements.add(parent.directives)
    merged = parent.fields.get(field_name)
    if merged is not None:
        requirements.add(merged.directives)
        target = types.get(named_type(merged.type))
        if target is not None:
            requirements.add(target.directives)
    return requirements


def validate_transitive_auth_requirements(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            for subgraph_field in subgraph_type.fields.values():
                for parent, text, directive in _selections_used_by(subgraph, subgraph_field):
                    reached = _reached(subgraph, parent, text)
                    ours = _requirements(types, subgraph_type.name, subgraph_field.name)
                    missing = next(
                        (
                            selected
                            for selected in reached
                            if not ours.imply(
                                _requirements(types, selected.parent, selected.field.name)
                            )
                        ),
                        None,
                    )
                    if missing is None:
                        continue
                    diagnostics.error(
                        "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
                        f'[{subgraph.name}] Field "{subgraph_type.name}.{subgraph_field.name}" '
                        "does not specify necessary @authenticated, @requiresScopes and/or "
                        "@policy auth requirements to access the transitive field "
                        f'"{missing.parent}.{missing.field.name}" data from @{directive} '
                        "selection set.",
                        subgraph.name,
                    )
                    break


def _selections_used_by(
    subgraph: SubgraphSchema, subgraph_field: SubgraphField
) -> list[tuple[str, str, str]]:
    """(type, selection text, directive) for the data the field's resolver is handed: its
    @requires on its own type, and each @fromContext on every type setting that context."""
    used: list[tuple[str, str, str]] = []
    parent = next(
        (t.name for t in subgraph.types.values() if subgraph_field in t.fields.values()), None
    )
    if subgraph_field.requires is not None and parent is not None:
        used.append((parent, subgraph_field.requires, "requires"))
    for argument in subgraph_field.arguments.values():
        match = _CONTEXT_REFERENCE.match(argument.from_context or "")
        if match is None:
            continue
        name, selection = match.group(1), match.group(2).strip()
        if selection.startswith("{") and selection.endswith("}"):
            selection = selection[1:-1]
        for setter in subgraph.types.values():
            if name in setter.contexts:
                used.append((setter.name, selection, "fromContext"))
    return used


def _reached(subgraph: SubgraphSchema, type_name: str, text: str) -> list[SelectedField]:
    try:
        selections = subgraph.field_sets.parse(text).selections
    except FieldSetError:
        return []  # reported by the @requires and @fromContext validations
    return walk_field_set(subgraph, type_name, selections, lambda _: None)
