"""Stage 1: normalise a client operation into a tree of fields per parent type.

Fragment spreads are inlined, fields with a literal ``@skip(if: true)``/``@include(if: false)``
are dropped, fields with the same response key are merged, and ``@skip``/``@include`` with a
variable become *conditions* carried by every field below them. Inline fragments survive only
where they narrow the type (a fragment on a type of an abstract position); the rest are flattened
into their parent. The result is read against the supergraph model (not the API schema) so the
same code also reads ``@key``/``@requires``/``@provides`` field sets, which may name
``@inaccessible`` fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    print_ast,
)

from router.federation.type_refs import named_type
from router.planner.errors import PlanningError
from router.planner.plan import OperationKind
from router.supergraph.model import Supergraph, TypeKind

TYPENAME = "__typename"
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})

# A condition ("include when variable == value"); @include(if: $x) is ("x", True),
# @skip(if: $x) is ("x", False).
Condition = tuple[str, bool]
Conditions = frozenset[Condition]
NO_CONDITIONS: Conditions = frozenset()


@dataclass(slots=True)
class NormalizedField:
    """One field of the normalised operation, identified by its response key."""

    name: str
    alias: str | None
    arguments: str  # printed argument list, "" when none
    variables: frozenset[str]  # variables its arguments use
    conditions: Conditions
    type_name: str  # the named type the field returns ("" for __typename)
    selection: NormalizedSelection | None = None
    argument_key: str = ""  # the arguments sorted by name: equal for equal argument sets

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    @property
    def signature(self) -> tuple[str, str]:
        return (self.name, self.argument_key or self.arguments)


@dataclass(slots=True)
class NormalizedSelection:
    """The selection at one position: fields on ``type_name`` plus narrowing fragments."""

    type_name: str
    fields: dict[str, NormalizedField] = field(default_factory=dict)
    fragments: dict[str, NormalizedSelection] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not self.fields and all(f.is_empty() for f in self.fragments.values())


@dataclass(slots=True)
class VariableDefinition:
    name: str
    text: str  # "$name:Type=default"


@dataclass(slots=True)
class NormalizedOperation:
    kind: OperationKind
    name: str | None
    root_type: str
    variables: dict[str, VariableDefinition]
    selection: NormalizedSelection


def normalize_operation(
    supergraph: Supergraph, document: DocumentNode, operation_name: str | None = None
) -> NormalizedOperation:
    operation = _pick_operation(document, operation_name)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    kind: OperationKind = operation.operation.value
    root_type = supergraph.root_types().get(kind)
    if root_type is None:
        raise PlanningError(f"the supergraph has no {kind} type")
    variables: dict[str, VariableDefinition] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        text = f"${name}:{print_ast(definition.type)}"
        if definition.default_value is not None:
            text += f"={print_ast(definition.default_value)}"
        variables[name] = VariableDefinition(name, text)
    normalizer = Normalizer(supergraph, fragments)
    selection = normalizer.selection(root_type, operation.selection_set)
    return NormalizedOperation(
        kind=kind,
        name=operation.name.value if operation.name else None,
        root_type=root_type,
        variables=variables,
        selection=selection,
    )


def _pick_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        for operation in operations:
            if operation.name is not None and operation.name.value == operation_name:
                return operation
        raise PlanningError(f"unknown operation named {operation_name!r}")
    if len(operations) != 1:
        raise PlanningError("the document must name the operation to run (operationName)")
    return operations[0]


class Normalizer:
    """Builds ``NormalizedSelection`` trees for selection sets read against the supergraph."""

    def __init__(
        self, supergraph: Supergraph, fragments: dict[str, FragmentDefinitionNode] | None = None
    ) -> None:
        self.supergraph = supergraph
        self.fragments = fragments or {}
        self.root_type = supergraph.query_type
        # (id of the selection collected into, fragment, conditions) already collected: a
        # fragment spread again at the same place adds nothing, and skipping it keeps
        # fragments that spread each other many times linear instead of exponential.
        self._spread: set[tuple[int, str, Conditions]] = set()

    def selection(self, type_name: str, selection_set: SelectionSetNode) -> NormalizedSelection:
        result = NormalizedSelection(type_name)
        self._spread.clear()  # ids of another tree's selections mean nothing here
        self._collect(result, type_name, selection_set, NO_CONDITIONS, frozenset())
        return result

    # -- collection -----------------------------------------------------------------------

    def _collect(
        self,
        into: NormalizedSelection,
        scope_type: str,
        selection_set: SelectionSetNode,
        conditions: Conditions,
        visiting: frozenset[str],
    ) -> None:
        for node in selection_set.selections:
            own = _conditions(node.directives)
            if own is None:
                continue
            active = conditions | own
            if _contradicts(active):
                continue  # @include(if: $x) @skip(if: $x): never included
            if isinstance(node, FieldNode):
                if node.name.value in INTROSPECTION_FIELDS and scope_type == self.root_type:
                    continue  # answered by the router from the API schema, never fetched
                self._add_field(into, scope_type, node, active)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in visiting or name not in self.fragments:
                    raise PlanningError(f"unknown or cyclic fragment {name!r}")
                spread = (id(into), name, active)
                if spread in self._spread:
                    continue
                self._spread.add(spread)
                fragment = self.fragments[name]
                self._collect_fragment(
                    into,
                    scope_type,
                    fragment.type_condition.name.value,
                    fragment.selection_set,
                    active,
                    visiting | {name},
                )
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else scope_type
                self._collect_fragment(
                    into, scope_type, condition, node.selection_set, active, visiting
                )

    def _collect_fragment(
        self,
        into: NormalizedSelection,
        scope_type: str,
        condition: str,
        selection_set: SelectionSetNode,
        conditions: Conditions,
        visiting: frozenset[str],
    ) -> None:
        if condition not in self.supergraph.types:
            return  # a type this supergraph does not know can never match
        if self._covers(condition, scope_type):
            # The fragment always applies at this position: flatten it.
            self._collect(into, scope_type, selection_set, conditions, visiting)
            return
        if not self._overlaps(condition, scope_type):
            return
        narrowed = into.fragments.get(condition)
        if narrowed is None:
            narrowed = NormalizedSelection(condition)
            into.fragments[condition] = narrowed
        self._collect(narrowed, condition, selection_set, conditions, visiting)

    def _covers(self, condition: str, scope_type: str) -> bool:
        """Whether a fragment on ``condition`` always applies at an object ``scope_type`` (or
        is on that very type). Fragments at abstract positions stay fragments: their fields are
        read against their own type."""
        if condition == scope_type:
            return True
        scope = self.supergraph.types.get(scope_type)
        if scope is None or scope.kind is not TypeKind.OBJECT:
            return False
        return scope_type in self.supergraph.possible_types(condition)

    def _overlaps(self, condition: str, scope_type: str) -> bool:
        return bool(
            set(self.supergraph.possible_types(condition))
            & set(self.supergraph.possible_types(scope_type))
        )

    def _add_field(
        self, into: NormalizedSelection, scope_type: str, node: FieldNode, conditions: Conditions
    ) -> None:
        name = node.name.value
        alias = node.alias.value if node.alias else None
        if name == TYPENAME:
            type_name = ""
        else:
            named = self.supergraph.types.get(scope_type)
            field_def = named.fields.get(name) if named else None
            if field_def is None:
                raise PlanningError(f"type {scope_type} has no field {name!r}")
            type_name = named_type(field_def.type)
        key = alias or name
        existing = into.fields.get(key)
        residual = NO_CONDITIONS
        if existing is None:
            existing = NormalizedField(
                name=name,
                alias=alias,
                arguments=_print_arguments(node.arguments),
                variables=frozenset(_variables_in(node.arguments)),
                conditions=conditions,
                type_name=type_name,
                argument_key=_print_arguments(node.arguments, ordered=True),
            )
            into.fields[key] = existing
        elif existing.conditions != conditions:
            # Included when either occurrence is: the field keeps what both require and each
            # occurrence's own extra conditions move down to the fields it selects.
            merged = existing.conditions & conditions
            if existing.selection is not None:
                _push_conditions(existing.selection, existing.conditions - merged)
            residual = conditions - merged
            existing.conditions = merged
        if node.selection_set is not None and type_name:
            if existing.selection is None:
                existing.selection = NormalizedSelection(type_name)
            self._collect(existing.selection, type_name, node.selection_set, residual, frozenset())


def _conditions(directives: Iterable[DirectiveNode] | None) -> Conditions | None:
    """The variable conditions of @skip/@include, or None when literally excluded."""
    found: set[Condition] = set()
    for directive in directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        include = name == "include"
        if isinstance(value, BooleanValueNode):
            if value.value != include:
                return None
        elif isinstance(value, VariableNode):
            found.add((value.name.value, include))
    return frozenset(found)


def _contradicts(conditions: Conditions) -> bool:
    return any((name, not include) in conditions for name, include in conditions)


def _push_conditions(selection: NormalizedSelection, conditions: Conditions) -> None:
    if not conditions:
        return
    for item in selection.fields.values():
        item.conditions = item.conditions | conditions
    for fragment in selection.fragments.values():
        _push_conditions(fragment, conditions)


def _print_arguments(arguments: Iterable[ArgumentNode] | None, *, ordered: bool = False) -> str:
    items = list(arguments or ())
    if ordered:
        items.sort(key=lambda a: a.name.value)
    return ",".join(f"{a.name.value}:{print_ast(a.value)}" for a in items)


def _variables_in(arguments: Iterable[ArgumentNode] | None) -> set[str]:
    found: set[str] = set()
    for argument in arguments or ():
        _collect_variables(argument.value, found)
    return found


def _collect_variables(value: ValueNode, found: set[str]) -> None:
    if isinstance(value, VariableNode):
        found.add(value.name.value)
        return
    for child in getattr(value, "values", None) or ():
        _collect_variables(child, found)
    for child in getattr(value, "fields", None) or ():
        _collect_variables(child.value, found)


def merge_selections(target: NormalizedSelection, source: NormalizedSelection) -> None:
    """Merge ``source`` into ``target`` (same position), field by field."""
    for key, incoming in source.fields.items():
        existing = target.fields.get(key)
        if existing is None:
            target.fields[key] = _copy_field(incoming)
            continue
        existing.conditions = existing.conditions & incoming.conditions
        if incoming.selection is not None:
            if existing.selection is None:
                existing.selection = NormalizedSelection(incoming.selection.type_name)
            merge_selections(existing.selection, incoming.selection)
    for condition, fragment in source.fragments.items():
        existing_fragment = target.fragments.get(condition)
        if existing_fragment is None:
            existing_fragment = NormalizedSelection(condition)
            target.fragments[condition] = existing_fragment
        merge_selections(existing_fragment, fragment)


def _copy_field(source: NormalizedField) -> NormalizedField:
    copy = NormalizedField(
        name=source.name,
        alias=source.alias,
        arguments=source.arguments,
        argument_key=source.argument_key,
        variables=source.variables,
        conditions=source.conditions,
        type_name=source.type_name,
    )
    if source.selection is not None:
        copy.selection = NormalizedSelection(source.selection.type_name)
        merge_selections(copy.selection, source.selection)
    return copy


def for_runtime_type(
    supergraph: Supergraph, selection: NormalizedSelection, object_type: str
) -> NormalizedSelection:
    """The part of an abstract position's selection that applies to runtime ``object_type``."""
    result = NormalizedSelection(object_type)
    _gather_for_type(supergraph, selection, object_type, result)
    return result


def _gather_for_type(
    supergraph: Supergraph,
    selection: NormalizedSelection,
    object_type: str,
    into: NormalizedSelection,
) -> None:
    if object_type not in supergraph.possible_types(selection.type_name):
        return
    direct = NormalizedSelection(object_type, fields=selection.fields)
    merge_selections(into, direct)
    for fragment in selection.fragments.values():
        _gather_for_type(supergraph, fragment, object_type, into)


def print_normalized(operation: NormalizedOperation) -> str:
    """A readable dump of the normalised operation (``fedra plan --stage normalized``)."""
    header = operation.kind + (f" {operation.name}" if operation.name else "")
    if operation.variables:
        header += "(" + ", ".join(v.text for v in operation.variables.values()) + ")"
    return header + " " + _print_selection(operation.selection, 0) + "\n"


def _print_selection(selection: NormalizedSelection, depth: int) -> str:
    pad = "  " * (depth + 1)
    lines = ["{"]
    for item in selection.fields.values():
        text = pad + (f"{item.alias}: " if item.alias else "") + item.name
        if item.arguments:
            text += f"({item.arguments})"
        for variable, include in sorted(item.conditions):
            text += f" @{'include' if include else 'skip'}(if: ${variable})"
        if item.selection is not None:
            text += " " + _print_selection(item.selection, depth + 1)
        lines.append(text)
    for condition, fragment in selection.fragments.items():
        lines.append(f"{pad}... on {condition} " + _print_selection(fragment, depth + 1))
    lines.append("  " * depth + "}")
    return "\n".join(lines)


def is_abstract(supergraph: Supergraph, type_name: str) -> bool:
    named = supergraph.types.get(type_name)
    return named is not None and named.kind in (TypeKind.INTERFACE, TypeKind.UNION)
