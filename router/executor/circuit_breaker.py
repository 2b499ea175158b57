"""A circuit breaker per subgraph: closed → open after repeated failures → half-open probes.

Closed, it counts failures; ``failure_threshold`` of them within ``window`` seconds open it.
Open, every fetch fails fast until ``cool_down`` seconds have passed; then it is half-open and
lets ``half_open_probes`` fetches through at a time: a success closes it, a failure opens it
again. Each call is O(1).
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from typing import Final, Literal

from router.executor.traffic import BreakerPolicy

CircuitState = Literal["closed", "open", "half_open"]
CLOSED: Final = "closed"
OPEN: Final = "open"
HALF_OPEN: Final = "half_open"

log = logging.getLogger("router.executor.circuit_breaker")


class CircuitBreaker:
    __slots__ = ("_failures", "_listener", "_opened_at", "_policy", "_probes", "service", "state")

    def __init__(
        self,
        service: str,
        policy: BreakerPolicy,
        listener: Callable[[str, CircuitState], None] | None = None,
    ) -> None:
        self.service = service
        self._policy = policy
        self._listener = listener
        self.state: CircuitState = CLOSED
        # times of the latest failures, at most failure_threshold of them
        self._failures: collections.deque[float] = collections.deque(
            maxlen=max(1, policy.failure_threshold)
        )
        self._opened_at = 0.0
        self._probes = 0  # half-open fetches in flight

    def allow(self) -> bool:
        """Whether a fetch may go out now; a True in half-open state must be followed by
        ``record``."""
        state = self.state
        if state == CLOSED:
            return True
        if state == OPEN:
            if time.monotonic() - self._opened_at < self._policy.cool_down:
                return False
            self._move(HALF_OPEN)
        if self._probes >= self._policy.half_open_probes:
            return False
        self._probes += 1
        return True

    def record(self, failed: bool) -> None:
        """The outcome of a fetch ``allow`` let through."""
        state = self.state
        if state == HALF_OPEN:
            self._probes = max(0, self._probes - 1)
            if failed:
                self._open()
            else:
                self._failures.clear()
                self._move(CLOSED)
            return
        if not failed or state == OPEN:
            return
        now = time.monotonic()
        failures = self._failures
        failures.append(now)
        if len(failures) == failures.maxlen and now - failures[0] <= self._policy.window:
            self._open()

    def release(self) -> None:
        """A fetch ``allow`` let through ended with no outcome (it was cancelled)."""
        if self.state == HALF_OPEN:
            self._probes = max(0, self._probes - 1)

    def retry_after(self) -> float:
        """Seconds until an open circuit lets a probe through."""
        if self.state != OPEN:
            return 0.0
        return max(0.0, self._policy.cool_down - (time.monotonic() - self._opened_at))

    def _open(self) -> None:
        self._opened_at = time.monotonic()
        self._probes = 0
        self._failures.clear()
        self._move(OPEN)

    def _move(self, state: CircuitState) -> None:
        if state == self.state and state != OPEN:
            return
        previous = self.state
        self.state = state
        log.warning(
            "circuit of subgraph %r: %s -> %s",
            self.service,
            previous,
            state,
            extra={"subgraph": self.service, "from_state": previous, "to_state": state},
        )
        if self._listener is not None:
            self._listener(self.service, state)
