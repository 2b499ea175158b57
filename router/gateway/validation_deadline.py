"""A CPU deadline for validating one document.

graphql-core's validation has a complexity budget but no clock: a document of a few thousand
fields with conflicting arguments keeps ``OverlappingFieldsCanBeMergedRule`` busy for seconds
before the budget runs out. ``validation_deadline`` bounds it in time: the deadline is checked
at every AST node any rule visits (``DeadlineRule``, first in the rule list) and at every
budget step of the overlapping-fields rule, where its quadratic work happens; past it,
``ValidationDeadlineExceeded`` leaves ``validate`` and the document is refused.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from graphql import ValidationRule
from graphql.validation.rules import overlapping_fields_can_be_merged as _overlapping


class ValidationDeadlineExceeded(Exception):
    def __init__(self, milliseconds: float) -> None:
        super().__init__(f"Validation exceeded the max_validation_ms limit ({milliseconds:g} ms)")
        self.milliseconds = milliseconds


class _Deadline(threading.local):
    at: float | None = None
    milliseconds: float = 0.0


_deadline = _Deadline()


def check_deadline() -> None:
    at = _deadline.at
    if at is not None and time.perf_counter() > at:
        raise ValidationDeadlineExceeded(_deadline.milliseconds)


@contextlib.contextmanager
def validation_deadline(milliseconds: float | None) -> Iterator[None]:
    """Validation in this thread, in the block, ends within ``milliseconds`` (None: unbounded)."""
    if milliseconds is None:
        yield
        return
    previous = _deadline.at, _deadline.milliseconds
    _deadline.at = time.perf_counter() + milliseconds / 1000
    _deadline.milliseconds = milliseconds
    try:
        yield
    finally:
        _deadline.at, _deadline.milliseconds = previous


class DeadlineRule(ValidationRule):
    """Checks the deadline at every node of the document (all rules visit in parallel)."""

    def enter(self, *_args: Any) -> None:
        check_deadline()


_spend = _overlapping.spend_complexity_budget


def _spend_with_deadline(rule_context: Any, cost: int) -> None:
    check_deadline()
    _spend(rule_context, cost)


# graphql-core calls this module function on every comparison step; without a deadline set
# (any other thread, any other caller) the wrapper only adds one attribute read.
_overlapping.spend_complexity_budget = _spend_with_deadline
