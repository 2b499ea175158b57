"""Compare a router's response with a recorded one.

`data` must be equal exactly, key order included (clients see the order; GraphQL's response
follows the selection set's), and including whether the key is present at all. Errors are
compared by message, path and `extensions.code`, after `normalise_message` has removed what
changes from run to run (ports, timings), as a multiset: fetches that run in parallel may
report their errors in either order.

@apollo/gateway reports a null that bubbled up during its own value completion in
`extensions.valueCompletion` instead of `errors` when no other error occurred; those count as
errors here, so a router that reports them in `errors` conforms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_UNSTABLE_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):\d+"), r"\1:PORT"),
    (re.compile(r"\b\d+(\.\d+)?\s?(ms|s)\b"), "DURATION"),
)


def normalise_message(message: str) -> str:
    for pattern, replacement in _UNSTABLE_TEXT:
        message = pattern.sub(replacement, message)
    return message


@dataclass(frozen=True)
class ComparableError:
    message: str
    path: tuple[str | int, ...] | None
    code: str | None


def comparable_error(error: dict[str, Any]) -> ComparableError:
    path = error.get("path")
    extensions = error.get("extensions") or {}
    return ComparableError(
        message=normalise_message(str(error.get("message", ""))),
        path=tuple(path) if path is not None else None,
        code=extensions.get("code"),
    )


def _error_order(error: ComparableError) -> tuple[str, str, str]:
    return (repr(error.path), error.message, error.code or "")


def ordered(value: Any) -> Any:
    """``value`` with every object turned into its list of (key, value) pairs, so that two
    values compare equal only when their keys also come in the same order."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def comparable_response(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of a response the conformance tests hold a router to."""
    comparable: dict[str, Any] = {}
    if "data" in response:
        comparable["data"] = ordered(response["data"])
    errors = list(response.get("errors") or [])
    errors.extend((response.get("extensions") or {}).get("valueCompletion") or [])
    comparable["errors"] = sorted((comparable_error(error) for error in errors), key=_error_order)
    return comparable


def response_differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Human-readable differences; empty when `actual` conforms to `expected`."""
    left, right = comparable_response(actual), comparable_response(expected)
    differences: list[str] = []
    if ("data" in left) != ("data" in right):
        differences.append(f"data present: {'data' in left}, expected {'data' in right}")
    elif left.get("data") != right.get("data"):
        differences.append(f"data: {left.get('data')!r}\n  expected {right.get('data')!r}")
    if left["errors"] != right["errors"]:
        differences.append(f"errors: {left['errors']!r}\n  expected {right['errors']!r}")
    return differences


def assert_conforms(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    differences = response_differences(actual, expected)
    if differences:
        raise AssertionError("response differs from the recording:\n" + "\n".join(differences))
