"""Fault injection between orders and products: a transport in front of the real products
app that loses answers, delays or holds calls, chosen per products operation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

OPERATIONS = ("reserveStock", "releaseStock", "confirmStock")


def operation_of(request: httpx.Request) -> str:
    body = request.content.decode()
    return next((name for name in OPERATIONS if name in body), "other")


@dataclass
class Fault:
    """What happens to the next `times` calls of one operation."""

    times: int = 1
    lose_answer: bool = False  # products runs the call; the caller sees a timeout
    refuse: bool = False  # products never sees the call; the caller sees a connect error
    delay_seconds: float = 0.0  # products sees the call that much later (in the background)
    hold: asyncio.Event | None = None  # products sees the call; the answer waits for the event


@dataclass
class FaultyProducts(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport
    faults: dict[str, Fault] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    reached: dict[str, asyncio.Event] = field(default_factory=dict)
    late: list[asyncio.Task[httpx.Response]] = field(default_factory=list)
    on_call: Callable[[str], None] | None = None

    def inject(self, operation: str, fault: Fault) -> None:
        self.faults[operation] = fault

    def reached_event(self, operation: str) -> asyncio.Event:
        return self.reached.setdefault(operation, asyncio.Event())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = operation_of(request)
        self.calls[operation] = self.calls.get(operation, 0) + 1
        fault = self.faults.get(operation)
        if fault is None or fault.times <= 0:
            return await self._forward(operation, request)
        fault.times -= 1
        if fault.refuse:
            raise httpx.ConnectError("injected: products unreachable", request=request)
        if fault.delay_seconds:
            self.late.append(asyncio.create_task(self._later(operation, request, fault)))
            raise httpx.ReadTimeout("injected: products too slow", request=request)
        response = await self._forward(operation, request)
        if fault.hold is not None:
            await fault.hold.wait()
        if fault.lose_answer:
            raise httpx.ReadTimeout("injected: the answer was lost", request=request)
        return response

    async def _later(self, operation: str, request: httpx.Request, fault: Fault) -> httpx.Response:
        await asyncio.sleep(fault.delay_seconds)
        return await self._forward(operation, request)

    async def _forward(self, operation: str, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.reached_event(operation).set()
        return response
