"""The router's /ready: 200 with a supergraph loaded, 503 once the process is told to stop
(SIGTERM), while /health stays 200; the signal still reaches the handler that was there."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

from tests.server.stack import compose_supergraph_sdl, router_stack


async def test_sigterm_makes_the_router_not_ready(tmp_path: Path) -> None:
    supergraph_sdl = compose_supergraph_sdl()
    received: list[int] = []

    def server_handler(number: int, _frame: FrameType | None) -> None:
        received.append(number)  # what uvicorn's handler would do: begin its graceful stop

    previous = signal.signal(signal.SIGTERM, server_handler)
    try:
        async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
            assert (await client.get("/ready")).status_code == 200
            signal.raise_signal(signal.SIGTERM)
            assert received == [signal.SIGTERM]
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json() == {"status": "fail", "reason": "shutting down"}
            assert (await client.get("/health")).status_code == 200
        assert signal.getsignal(signal.SIGTERM) is server_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
