"""The retry budget on its own: a share of recent requests plus a floor, forgotten after ttl."""

from __future__ import annotations

import time

from router.executor.retry_budget import RetryBudget


def test_retries_are_a_share_of_the_requests() -> None:
    budget = RetryBudget(min_per_sec=0, retry_percent=0.25, ttl=60)
    for _ in range(8):
        budget.deposit()
    assert [budget.withdraw() for _ in range(3)] == [True, True, False]


def test_the_floor_allows_retries_without_requests() -> None:
    budget = RetryBudget(min_per_sec=0.5, retry_percent=0, ttl=4)  # two per ttl
    assert [budget.withdraw() for _ in range(3)] == [True, True, False]


def test_deposits_and_withdrawals_expire_after_ttl() -> None:
    budget = RetryBudget(min_per_sec=0, retry_percent=1, ttl=0.2)
    budget.deposit()
    assert budget.withdraw()
    assert not budget.withdraw()
    time.sleep(0.25)
    assert not budget.withdraw()  # the old deposit is gone too
    budget.deposit()
    assert budget.withdraw()
