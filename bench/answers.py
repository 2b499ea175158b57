"""Whether a gateway's answer is the expected one: byte-equal after JSON normalisation.

Normalisation re-serialises the parsed JSON compactly, keeping key order (a GraphQL response
lists fields in the order the query selects them, so order is part of a correct answer).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

JsonValue = object


@dataclass(frozen=True)
class AnswerCheck:
    correct: bool
    detail: str


def normalise(raw: bytes) -> bytes:
    return orjson.dumps(orjson.loads(raw))


def check_answer(expected: bytes, status: int, raw: bytes) -> AnswerCheck:
    if status != 200:
        text = " ".join(raw[:300].decode("utf-8", "replace").split())
        return AnswerCheck(False, f"HTTP {status}: {text}")
    try:
        got = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return AnswerCheck(False, f"response is not JSON ({error}): {raw[:200]!r}")
    want = orjson.loads(expected)
    if orjson.dumps(got) == orjson.dumps(want):
        return AnswerCheck(True, "equal to expected.json")
    return AnswerCheck(False, first_difference(want, got, "$"))


def first_difference(want: JsonValue, got: JsonValue, path: str) -> str:
    """Where two JSON values first differ, as a path and the two values there."""
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            if set(want) == set(got):
                return f"{path}: keys in another order: {list(got)} (expected {list(want)})"
            return f"{path}: keys {list(got)} (expected {list(want)})"
        for key in want:
            if orjson.dumps(want[key]) != orjson.dumps(got[key]):
                return first_difference(want[key], got[key], f"{path}.{key}")
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return f"{path}: {len(got)} items (expected {len(want)})"
        for index, (want_item, got_item) in enumerate(zip(want, got, strict=True)):
            if orjson.dumps(want_item) != orjson.dumps(got_item):
                return first_difference(want_item, got_item, f"{path}[{index}]")
    return f"{path}: {_short(got)} (expected {_short(want)})"


def _short(value: JsonValue) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 160 else text[:157] + "..."
