"""The executor's HTTP/1.1 pools behind the ``httpx`` transport interface.

For code that composes ``httpx`` transports (a wrapper adding headers, tracing or metrics around
an inner transport): ``PooledTransport`` replaces ``httpx.AsyncHTTPTransport`` as the inner one
and sends POST requests over ``router.executor.http_pool`` pools, one per origin and path,
without httpcore's per-request cost. Other methods go to an ``httpx.AsyncHTTPTransport``.
"""

from __future__ import annotations

import asyncio

import httpx

from router.executor.http_connection import ConnectionClosed
from router.executor.http_pool import ConnectionPool, InvalidHeader
from router.executor.http_response import HTTPResponseError


class PooledTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int = 100, keepalive_expiry: float = 30.0) -> None:
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._pools: dict[str, ConnectionPool] = {}
        self._fallback: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if request.method != "POST" or url.scheme not in ("http", "https") or url.userinfo:
            return await self._other(request)
        key = str(url)
        pool = self._pools.get(key)
        if pool is None:
            try:
                pool = ConnectionPool(
                    key,
                    {},
                    max_connections=self._max_connections,
                    keepalive_expiry=self._keepalive_expiry,
                )
            except ValueError:  # e.g. credentials in the URL: httpx applies them
                return await self._other(request)
            self._pools[key] = pool
        body = await request.aread()
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in request.headers.raw
        }
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(timeout):
                response = await pool.post(body, headers)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out", request=request) from None
        except InvalidHeader as error:
            raise httpx.LocalProtocolError(str(error), request=request) from None
        except (ConnectionClosed, HTTPResponseError) as error:
            raise httpx.RemoteProtocolError(str(error), request=request) from None
        except OSError as error:
            raise httpx.ConnectError(str(error) or type(error).__name__, request=request) from None
        return httpx.Response(
            response.status,
            content=response.body,  # already decoded: no content-encoding to apply again
            extensions={"reason_phrase": response.reason.encode("latin-1")},
            request=request,
        )

    async def _other(self, request: httpx.Request) -> httpx.Response:
        if self._fallback is None:
            self._fallback = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=self._max_connections,
                    keepalive_expiry=self._keepalive_expiry,
                )
            )
        return await self._fallback.handle_async_request(request)

    async def aclose(self) -> None:
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            pool.close()
        if self._fallback is not None:
            await self._fallback.aclose()
