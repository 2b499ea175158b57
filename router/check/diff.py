"""Changes between two API schemas, classified for clients: breaking, dangerous or safe.

Breaking and dangerous changes come from graphql-core's ``find_breaking_changes`` and
``find_dangerous_changes`` (removed types, fields, enum values and arguments; output fields that
may now be null; inputs that became required; changed kinds and types; new required arguments).
Additions and output fields that became non-null are reported as safe.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
)


class Severity(enum.Enum):
    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    SAFE = "safe"


@dataclass(frozen=True, slots=True)
class SchemaChange:
    severity: Severity
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity.value, "code": self.code, "message": self.message}


def diff_schemas(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    changes = [
        SchemaChange(Severity.BREAKING, change.type.name, change.description)
        for change in find_breaking_changes(old, new)
    ]
    changes += [
        SchemaChange(Severity.DANGEROUS, change.type.name, change.description)
        for change in find_dangerous_changes(old, new)
    ]
    changes += _safe_changes(old, new)
    return changes


def _user_types(schema: GraphQLSchema) -> dict[str, object]:
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def _safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    old_types = _user_types(old)
    for name, new_type in _user_types(new).items():
        old_type = old_types.get(name)
        if old_type is None:
            changes.append(SchemaChange(Severity.SAFE, "TYPE_ADDED", f"{name} was added."))
            continue
        if isinstance(new_type, GraphQLObjectType | GraphQLInterfaceType) and isinstance(
            old_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            for field_name, new_field in new_type.fields.items():
                old_field = old_type.fields.get(field_name)
                if old_field is None:
                    changes.append(
                        SchemaChange(
                            Severity.SAFE, "FIELD_ADDED", f"{name}.{field_name} was added."
                        )
                    )
                elif str(old_field.type) != str(new_field.type) and str(new_field.type) == (
                    f"{old_field.type}!"
                ):
                    changes.append(
                        SchemaChange(
                            Severity.SAFE,
                            "FIELD_NULLABILITY_TIGHTENED",
                            f"{name}.{field_name} changed type from {old_field.type} to "
                            f"{new_field.type}.",
                        )
                    )
                if new_field.deprecation_reason and not old_field_deprecated(old_field):
                    changes.append(
                        SchemaChange(
                            Severity.SAFE,
                            "FIELD_DEPRECATED",
                            f"{name}.{field_name} was deprecated: {new_field.deprecation_reason}",
                        )
                    )
    return changes


def old_field_deprecated(field: object) -> bool:
    return bool(getattr(field, "deprecation_reason", None))
