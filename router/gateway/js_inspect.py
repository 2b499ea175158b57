"""JSON values printed the way graphql-js prints them in error messages (its ``inspect``).

Client input arrives as JSON, so these are the values the messages about it quote: strings as
JSON, numbers as JavaScript prints them, objects as ``{ key: value }``, nesting cut at depth
two and lists at ten items.
"""

from __future__ import annotations

from typing import Any

import orjson

MAX_ARRAY_LENGTH = 10
MAX_RECURSIVE_DEPTH = 2


def js_inspect(value: Any) -> str:
    return _format(value, 0)


def js_number(value: int | float) -> str:
    """``value`` as JavaScript's ``String(number)`` prints it."""
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    return sign + _place_point(digits, exponent)


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of ``value`` and ``n`` with value = 0.digits * 10**n."""
    mantissa, _, exp_text = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    exponent = int(exp_text) if exp_text else 0
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    n = len(whole) + exponent - leading_zeros
    return digits.rstrip("0") or "0", n


def _place_point(digits: str, n: int) -> str:
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    exponent = n - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(exponent)}"


def _format(value: Any, depth: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list | tuple):
        return _format_list(value, depth + 1)
    if isinstance(value, dict):
        return _format_object(value, depth + 1)
    return str(value)


def _format_list(items: list[Any] | tuple[Any, ...], depth: int) -> str:
    if not items:
        return "[]"
    if depth > MAX_RECURSIVE_DEPTH:
        return "[Array]"
    shown = [_format(item, depth) for item in items[:MAX_ARRAY_LENGTH]]
    remaining = len(items) - MAX_ARRAY_LENGTH
    if remaining == 1:
        shown.append("... 1 more item")
    elif remaining > 1:
        shown.append(f"... {remaining} more items")
    return "[" + ", ".join(shown) + "]"


def _format_object(entries: dict[Any, Any], depth: int) -> str:
    if not entries:
        return "{}"
    if depth > MAX_RECURSIVE_DEPTH:
        return "[Object]"
    return (
        "{ " + ", ".join(f"{key}: {_format(item, depth)}" for key, item in entries.items()) + " }"
    )
