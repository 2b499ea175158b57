"""A keep-alive connection pool for one subgraph URL, posting pre-encoded JSON bodies.

Bounded: at most ``max_connections`` open at once; further requests wait for one to be free.
Idle connections are reused newest first and dropped after ``keepalive_expiry`` seconds or
when the server closes them. A request sent on a reused connection that the server closed
before answering a single byte (it closed the idle connection as the request went out) was
not processed, so it is sent once more on a new connection, whatever its operation.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import urlsplit

import httpx

from router.executor.http_connection import ConnectionClosed, HTTPConnection
from router.executor.http_response import DEFAULT_LIMITS, HTTPResponse, ResponseLimits

# A connection idle longer than this is checked for a close from the server before reuse.
_CHECK_IDLE_AFTER: Final = 1.0
_FORBIDDEN_VALUE_BYTES: Final = ("\r", "\n", "\0")
# Headers the connection itself decides; a caller's values for them are ignored.
_CONNECTION_HEADERS: Final = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te"}
)
_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class InvalidHeader(ValueError):
    """A header name or value that cannot be sent."""


def _check_header(name: str, value: str) -> None:
    if not name or not _TOKEN_CHARS.issuperset(name):
        raise InvalidHeader(f"invalid header name {name!r}")
    if any(c in value for c in _FORBIDDEN_VALUE_BYTES):
        raise InvalidHeader(f"invalid value for header {name!r}")


class ConnectionPool:
    """POSTs to one URL over pooled HTTP/1.1 connections (TLS for https)."""

    def __init__(
        self,
        url: str,
        base_headers: Mapping[str, str],
        *,
        max_connections: int = 100,
        max_idle: int | None = None,
        keepalive_expiry: float = 30.0,
        limits: ResponseLimits = DEFAULT_LIMITS,
        on_stale_retry: Callable[[], None] | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError("credentials in the URL are not sent by this pool")
        self.url = url
        self._host = parts.hostname
        self._tls = parts.scheme == "https"
        self._port = parts.port or (443 if self._tls else 80)
        default_port = self._port == (443 if self._tls else 80)
        host_header = parts.netloc.rpartition("@")[2] if not default_port else self._host
        if ":" in self._host and not host_header.startswith("["):
            host_header = f"[{self._host}]"
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        self._base_headers = {name.lower(): value for name, value in base_headers.items()}
        for name, value in self._base_headers.items():
            _check_header(name, value)
        self._head_start = f"POST {target} HTTP/1.1\r\nhost: {host_header}\r\n".encode("latin-1")
        self._static_head = self._head_start + self._encode_headers(self._base_headers)
        self._max_connections = max(1, max_connections)
        self._max_idle = self._max_connections if max_idle is None else max(0, max_idle)
        self._keepalive_expiry = keepalive_expiry
        self._idle: list[HTTPConnection] = []
        self._open = 0  # connections open or being opened
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        # the TLS settings an httpx client would use (certifi, SSL_CERT_FILE / SSL_CERT_DIR)
        self._ssl: ssl.SSLContext | None = httpx.create_ssl_context() if self._tls else None
        self._limits = limits
        self._closed = False
        self._on_stale_retry = on_stale_retry
        self.stale_retries = 0  # requests sent again after a stale keep-alive connection

    @staticmethod
    def _encode_headers(headers: Mapping[str, str]) -> bytes:
        return "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1")

    def _head(self, extra: Mapping[str, str] | None) -> bytes:
        if not extra:
            return self._static_head
        headers = dict(self._base_headers)
        for name, value in extra.items():
            lowered = name.lower()
            if lowered in _CONNECTION_HEADERS:
                continue
            _check_header(lowered, value)
            headers[lowered] = value
        try:
            return self._head_start + self._encode_headers(headers)
        except UnicodeEncodeError:
            raise InvalidHeader("header values must be latin-1") from None

    async def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> HTTPResponse:
        """Send ``body``; the response, or ``OSError`` / ``ConnectionClosed`` /
        ``HTTPResponseError`` / ``InvalidHeader`` when there is none."""
        data = self._head(headers) + b"content-length: %d\r\n\r\n" % len(body) + body
        try:
            return await self._send(data, fresh=False)
        except ConnectionClosed as error:
            if not error.stale:
                raise
        self.stale_retries += 1
        if self._on_stale_retry is not None:
            self._on_stale_retry()
        return await self._send(data, fresh=True)

    async def _send(self, data: bytes, *, fresh: bool) -> HTTPResponse:
        connection = await self._acquire(fresh=fresh)
        try:
            response = await connection.request(data)
        except BaseException:
            connection.close()
            self._release(connection)
            raise
        self._release(connection)
        return response

    async def _acquire(self, *, fresh: bool = False) -> HTTPConnection:
        """A connection: an idle one, newest first, unless ``fresh`` asks for a new one."""
        while True:
            idle = self._idle
            now = time.monotonic()
            if fresh and idle and self._open >= self._max_connections:
                idle.pop(0).close()  # make room for the new connection: drop the oldest
                self._open -= 1
            while idle and not fresh:
                connection = idle.pop()
                idle_for = now - connection.idle_since
                if idle_for > _CHECK_IDLE_AFTER and not connection.closed:
                    # one turn of the event loop: a close the server sent meanwhile is seen
                    try:
                        await asyncio.sleep(0)
                    except BaseException:  # cancelled holding it: give its slot back
                        connection.close()
                        self._open -= 1
                        self._wake_one()
                        raise
                if not connection.closed and idle_for < self._keepalive_expiry:
                    return connection
                connection.close()
                self._open -= 1
            if self._closed:
                raise OSError("the connection pool is closed")
            if self._open < self._max_connections:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    self._wake_one()
                    raise
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # pass the turn on
                else:
                    self._remove_waiter(waiter)
                raise

    async def _connect(self) -> HTTPConnection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            lambda: HTTPConnection(loop, self._limits),
            self._host,
            self._port,
            ssl=self._ssl,
            server_hostname=self._host if self._ssl is not None else None,
        )
        return connection

    def _release(self, connection: HTTPConnection) -> None:
        if connection.closed or self._closed or len(self._idle) >= self._max_idle:
            connection.close()
            self._open -= 1
        else:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        self._wake_one()

    def _wake_one(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _remove_waiter(self, waiter: asyncio.Future[None]) -> None:
        if waiter in self._waiters:
            self._waiters.remove(waiter)

    def close(self) -> None:
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._open -= len(self._idle)
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
