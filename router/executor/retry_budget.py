"""A retry budget: retries allowed as a share of recent requests, plus a floor per second.

Deposits and withdrawals are counted in ``SLOTS`` time slots spanning ``ttl`` seconds; an
old slot is forgotten as time moves past it, so each call costs O(1).
"""

from __future__ import annotations

import time
from typing import Final

SLOTS: Final = 10


class RetryBudget:
    __slots__ = (
        "_deposits",
        "_floor",
        "_percent",
        "_slot",
        "_slot_seconds",
        "_total_deposits",
        "_total_withdrawals",
        "_withdrawals",
    )

    def __init__(self, *, min_per_sec: float, retry_percent: float, ttl: float) -> None:
        self._percent = retry_percent
        self._floor = min_per_sec * ttl  # retries always allowed within one ttl
        self._slot_seconds = ttl / SLOTS
        self._deposits = [0] * SLOTS
        self._withdrawals = [0] * SLOTS
        self._total_deposits = 0
        self._total_withdrawals = 0
        self._slot = self._now_slot()

    def _now_slot(self) -> int:
        return int(time.monotonic() / self._slot_seconds)

    def _advance(self) -> int:
        now = self._now_slot()
        passed = now - self._slot
        if passed > 0:
            for step in range(1, min(passed, SLOTS) + 1):
                index = (self._slot + step) % SLOTS
                self._total_deposits -= self._deposits[index]
                self._total_withdrawals -= self._withdrawals[index]
                self._deposits[index] = 0
                self._withdrawals[index] = 0
            self._slot = now
        return now % SLOTS

    def deposit(self) -> None:
        """One request was sent."""
        index = self._advance()
        self._deposits[index] += 1
        self._total_deposits += 1

    def withdraw(self) -> bool:
        """Take one retry from the budget; False when none is left."""
        index = self._advance()
        allowed = self._floor + self._total_deposits * self._percent
        if self._total_withdrawals + 1 > allowed:
            return False
        self._withdrawals[index] += 1
        self._total_withdrawals += 1
        return True
