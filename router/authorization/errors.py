"""The error of a field removed because the caller may not see it (Apollo Router's wording)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
UNAUTHORIZED_MESSAGE = "Unauthorized field or type"


def unauthorized_error(path: Sequence[str]) -> dict[str, Any]:
    """The error at ``path``: response keys, ``"@"`` for every element of a list."""
    error: dict[str, Any] = {"message": UNAUTHORIZED_MESSAGE}
    if path:
        error["path"] = list(path)
    error["extensions"] = {"code": UNAUTHORIZED_FIELD_OR_TYPE}
    return error
