"""Graceful shutdown for ``fedra serve --workers N``.

A single uvicorn server stops listening on SIGTERM, lets in-flight requests finish within
``timeout_graceful_shutdown`` and runs the app's lifespan shutdown (closing its pools). With
several workers the parent process holds the listening socket too; this supervisor closes its
copy before it signals the workers, so once they stop listening new connections are refused
instead of waiting in the kernel's backlog of a socket nobody accepts on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import FrameType

import uvicorn
from uvicorn.supervisors import Multiprocess

# Called (on the event loop) as soon as a shutdown signal arrives, before uvicorn waits for
# open connections: streams that would otherwise hold the shutdown up (subscriptions) end now.
ShutdownListener = Callable[[], None]
shutdown_listeners: list[tuple[asyncio.AbstractEventLoop, ShutdownListener]] = []


def listen_for_shutdown(listener: ShutdownListener) -> Callable[[], None]:
    """Register ``listener`` for this process's shutdown signal; returns its removal."""
    entry = (asyncio.get_running_loop(), listener)
    shutdown_listeners.append(entry)

    def remove() -> None:
        with contextlib.suppress(ValueError):
            shutdown_listeners.remove(entry)

    return remove


def announce_shutdown() -> None:
    for loop, listener in list(shutdown_listeners):
        with contextlib.suppress(RuntimeError):  # a loop already closed
            loop.call_soon_threadsafe(listener)


class GracefulServer(uvicorn.Server):
    """A uvicorn server whose SIGTERM/SIGINT shutdown ends the process with exit code 0;
    uvicorn itself re-raises the signal after its graceful shutdown (exit status -15)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        announce_shutdown()
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


class GracefulMultiprocess(Multiprocess):
    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().terminate_all()


def run_workers(config: uvicorn.Config) -> None:
    """Serve ``config`` (an import string app) with ``config.workers`` worker processes."""
    sock = config.bind_socket()
    try:
        GracefulMultiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
