"""Validate client operations (``.graphql`` files) against an API schema.

Fragments may live in other files than the operations using them, as client projects often do:
every operation is validated together with the fragments it uses, wherever they are defined, and
each error points at the file and line of the node it concerns.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    Source,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.language import Visitor, get_location
from graphql.validation import NoUnusedFragmentsRule


@dataclass(frozen=True, slots=True)
class OperationProblem:
    file: str
    line: int
    column: int
    operation: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "operation": self.operation,
            "message": self.message,
        }

    def format(self) -> str:
        name = f" [{self.operation}]" if self.operation else ""
        return f"{self.file}:{self.line}:{self.column}{name} {self.message}"


def find_operation_files(patterns: list[str]) -> list[Path]:
    files: set[Path] = set()
    for pattern in patterns:
        files.update(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    return sorted(files)


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.append(node.name.value)


def _spreads(node: Node) -> list[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def _problem(error: GraphQLError, fallback_file: str, operation: str | None) -> OperationProblem:
    source = error.source
    file = source.name if source is not None else fallback_file
    location = error.locations[0] if error.locations else None
    return OperationProblem(
        file=file,
        line=location.line if location else 1,
        column=location.column if location else 1,
        operation=operation,
        message=error.message,
    )


@dataclass(frozen=True, slots=True)
class OperationsReport:
    operations: int
    problems: list[OperationProblem]


def validate_operation_files(schema: GraphQLSchema, files: list[Path]) -> OperationsReport:
    problems: list[OperationProblem] = []
    operations: list[tuple[str, OperationDefinitionNode]] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    first_definitions: dict[tuple[str, str], str] = {}  # (kind, name) -> "file:line"
    for path in files:
        try:
            document = parse(
                Source(path.read_text(encoding="utf-8"), str(path)),
                allow_empty_selection_sets=False,
            )
        except GraphQLError as error:
            problems.append(_problem(error, str(path), None))
            continue
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
                continue
            if definition.name is not None:
                kind = "fragment" if isinstance(definition, FragmentDefinitionNode) else "operation"
                duplicate = _duplicate(definition, kind, str(path), first_definitions)
                if duplicate is not None:
                    problems.append(duplicate)
                    continue
            if isinstance(definition, OperationDefinitionNode):
                operations.append((str(path), definition))
            else:
                fragments[definition.name.value] = definition
    rules = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]
    used_anywhere: set[str] = set()
    for file, operation in operations:
        needed: dict[str, FragmentDefinitionNode] = {}
        pending = _spreads(operation)
        while pending:
            name = pending.pop()
            if name in needed or name not in fragments:
                continue
            needed[name] = fragments[name]
            pending.extend(_spreads(fragments[name]))
        used_anywhere.update(needed)
        document = DocumentNode(definitions=(operation, *needed.values()))
        operation_name = operation.name.value if operation.name else None
        problems.extend(
            _problem(e, file, operation_name) for e in validate(schema, document, rules)
        )
    for fragment_name, fragment in fragments.items():
        if fragment_name in used_anywhere:
            continue
        # An unused fragment is still checked on its own against the schema.
        document = DocumentNode(definitions=(fragment,))
        fragment_rules = [
            rule
            for rule in rules
            if rule.__name__ not in ("ExecutableDefinitionsRule", "KnownFragmentNamesRule")
        ]
        loc_source = fragment.loc.source.name if fragment.loc else "<unknown>"
        problems.extend(
            _problem(e, loc_source, None) for e in validate(schema, document, fragment_rules)
        )
    return OperationsReport(len(operations), _dedupe(problems))


def _duplicate(
    definition: OperationDefinitionNode | FragmentDefinitionNode,
    kind: str,
    file: str,
    first_definitions: dict[tuple[str, str], str],
) -> OperationProblem | None:
    """A problem when this name was defined before (the first definition is the one used)."""
    assert definition.name is not None
    name = definition.name.value
    where = get_location(definition.loc.source, definition.loc.start) if definition.loc else None
    line, column = (where.line, where.column) if where is not None else (1, 1)
    first = first_definitions.get((kind, name))
    if first is None:
        first_definitions[(kind, name)] = f"{file}:{line}"
        return None
    message = f"There can be only one {kind} named '{name}' (also in {first})."
    return OperationProblem(file, line, column, None, message)


def _dedupe(problems: list[OperationProblem]) -> list[OperationProblem]:
    seen: set[tuple[str, int, int, str]] = set()
    unique: list[OperationProblem] = []
    for problem in problems:
        key = (problem.file, problem.line, problem.column, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.file, p.line, p.column))
