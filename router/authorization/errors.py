"""What authorization removed from an operation, and the errors it answers (Apollo Router's
wording), given the client's variables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import DirectiveNode

from router.executor.shape import is_included

UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
UNAUTHORIZED_MESSAGE = "Unauthorized field or type"

Path = tuple[str, ...]
# The @skip/@include directives of the selections leading to a removed one (itself included).
Conditions = tuple[tuple[DirectiveNode, ...], ...]


def unauthorized_error(path: Sequence[str]) -> dict[str, Any]:
    """The error at ``path``: response keys, ``"@"`` for every element of a list."""
    error: dict[str, Any] = {"message": UNAUTHORIZED_MESSAGE}
    if path:
        error["path"] = list(path)
    error["extensions"] = {"code": UNAUTHORIZED_FIELD_OR_TYPE}
    return error


@dataclass(frozen=True, slots=True)
class Removal:
    """One removed path; its error is reported when the client's variables include it."""

    path: Path
    conditions: Conditions = ()

    def applies(self, variables: Mapping[str, Any]) -> bool:
        return all(is_included(directives, variables) for directives in self.conditions)


def errors_for(
    removals: tuple[Removal, ...], variables: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The errors of the removals that apply to ``variables`` (None: all), each path once."""
    seen: set[Path] = set()
    errors: list[dict[str, Any]] = []
    for removal in removals:
        if removal.path in seen or (variables is not None and not removal.applies(variables)):
            continue
        seen.add(removal.path)
        errors.append(unauthorized_error(removal.path))
    return errors
