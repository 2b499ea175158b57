"""One HTTP/1.1 keep-alive client connection, as an asyncio protocol: one request at a time."""

from __future__ import annotations

import asyncio
import time
from typing import cast

from router.executor.http_response import (
    DEFAULT_LIMITS,
    HTTPResponse,
    HTTPResponseError,
    ResponseLimits,
    ResponseParser,
)


class ConnectionClosed(Exception):
    """The server closed the connection before the whole response arrived.

    ``unanswered`` when not one byte of the response had come back: on a connection that had
    carried a request before (``reused``), that is a keep-alive connection the server closed
    as the request went out, so the request was not processed and may be sent again.
    """

    def __init__(self, message: str, *, unanswered: bool = False, reused: bool = False) -> None:
        super().__init__(message)
        self.unanswered = unanswered
        self.reused = reused

    @property
    def stale(self) -> bool:
        """A reused keep-alive connection closed before any byte of the response."""
        return self.unanswered and self.reused


class HTTPConnection(asyncio.Protocol):
    """Sends a request's bytes and resolves with the parsed response.

    The connection is reusable after a response that allows keep-alive; a connection whose
    request was abandoned (a timeout, a cancellation) must be closed by its owner.
    """

    __slots__ = (
        "_limits",
        "_loop",
        "_parser",
        "_reused",
        "_transport",
        "_waiter",
        "closed",
        "idle_since",
        "used",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, limits: ResponseLimits = DEFAULT_LIMITS
    ) -> None:
        self._loop = loop
        self._limits = limits
        self._reused = False  # the current request is not the connection's first
        self._transport: asyncio.Transport | None = None
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[HTTPResponse] | None = None
        self.closed = False
        self.used = False  # has carried a request before
        self.idle_since = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        waiter = self._waiter
        if parser is None or waiter is None or waiter.done():
            self.close()  # bytes nobody asked for: the connection is out of step
            return
        try:
            complete = parser.feed(data)
        except HTTPResponseError as error:
            self.close()
            waiter.set_exception(error)
            return
        if complete:
            response = parser.response
            assert response is not None
            self._parser = None
            self._waiter = None
            if not response.keep_alive:
                self.close()
            waiter.set_result(response)

    def eof_received(self) -> bool:
        self.closed = True  # the server sends nothing more: no further request on this one
        parser = self._parser
        waiter = self._waiter
        if parser is not None and waiter is not None and not waiter.done():
            try:
                complete = parser.feed_eof()
            except HTTPResponseError as error:
                waiter.set_exception(error)
                complete = False
            if complete:
                assert parser.response is not None
                self._parser = None
                self._waiter = None
                waiter.set_result(parser.response)
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._transport = None
        waiter = self._waiter
        parser = self._parser
        self._waiter = None
        self._parser = None
        if waiter is not None and not waiter.done():
            unanswered = parser is None or not parser.started
            waiter.set_exception(
                ConnectionClosed(
                    "Server disconnected without sending a response."
                    if unanswered
                    else "Server disconnected before the whole response arrived.",
                    unanswered=unanswered,
                    reused=self._reused,
                )
            )

    def request(self, data: bytes) -> asyncio.Future[HTTPResponse]:
        """Write one request; the future resolves with its response."""
        transport = self._transport
        if transport is None or self.closed or self._waiter is not None:
            raise ConnectionClosed("connection not available", unanswered=True, reused=self.used)
        waiter: asyncio.Future[HTTPResponse] = self._loop.create_future()
        self._waiter = waiter
        self._parser = ResponseParser(self._limits)
        self._reused = self.used
        self.used = True
        transport.write(data)
        return waiter

    @property
    def response_started(self) -> bool:
        parser = self._parser
        return parser is not None and parser.started

    def close(self) -> None:
        self.closed = True
        transport = self._transport
        if transport is not None:
            transport.close()
