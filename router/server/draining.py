"""Whether this router process has been told to stop: GET /ready answers 503 from then on.

uvicorn handles SIGTERM/SIGINT itself (it stops listening, lets in-flight requests finish, then
runs the lifespan shutdown). While the app runs (:meth:`Draining.around` its lifespan),
:meth:`Draining.watch_signals` puts a handler in front of uvicorn's that first marks the process
as draining, so a load balancer that still asks /ready on an open connection takes it out of
rotation at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import FrameType
from typing import Any

WATCHED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


class Draining:
    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def active(self) -> bool:
        return self._event.is_set()

    def begin(self) -> None:
        self._event.set()

    def around(self, lifespan: Lifespan) -> Lifespan:
        """`lifespan`, with the signals watched from before it starts until after it ends."""

        @asynccontextmanager
        async def watched(app: Any) -> AsyncIterator[None]:
            restore = self.watch_signals()
            try:
                async with lifespan(app):
                    yield
            finally:
                restore()

        return watched

    def watch_signals(self) -> Callable[[], None]:
        """Mark draining on SIGTERM/SIGINT, then run the handler that was there; returns the
        function that puts the previous handlers back. Signal handlers can only be set from the
        main thread: elsewhere (an app served in a test thread) this does nothing."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous: dict[int, Any] = {}
        for number in WATCHED_SIGNALS:
            previous[number] = signal.getsignal(number)
            signal.signal(number, self._chained(previous[number]))

        def restore() -> None:
            for number, handler in previous.items():
                signal.signal(number, handler)

        return restore

    def _chained(self, handler: Any) -> Callable[[int, FrameType | None], None]:
        def on_signal(number: int, frame: FrameType | None) -> None:
            self.begin()
            if callable(handler):
                handler(number, frame)
            elif handler == signal.SIG_DFL:
                signal.signal(number, signal.SIG_DFL)
                signal.raise_signal(number)

        return on_signal
