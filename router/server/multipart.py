"""Incremental delivery over HTTP: ``multipart/mixed`` responses for operations with ``@defer``.

A client asks for it with ``Accept: multipart/mixed`` (``deferSpec=20220824`` or no
``deferSpec``). Each payload is one part, a delimiter line ``---``, a ``content-type:
application/json; charset=utf-8`` header, an empty line and the JSON (lines end with CRLF);
the body ends with the closing delimiter ``-----``. The response's content type is
``multipart/mixed; boundary="-"; deferSpec=20220824``.

The payloads are produced by a task started where the request's context (its caller, trace and
headers for the subgraphs) is current, under the request timeout; the response body reads them
as they come. A client that goes away cancels the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson

MULTIPART_MIXED = "multipart/mixed"
DEFER_SPEC = "20220824"
BOUNDARY = "-"
CONTENT_TYPE = f'{MULTIPART_MIXED}; boundary="{BOUNDARY}"; deferSpec={DEFER_SPEC}'
PART_HEAD = f"\r\n--{BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n".encode()
CLOSING = f"\r\n--{BOUNDARY}--\r\n".encode()

logger = logging.getLogger("fedra.server")

Payload = dict[str, Any]


def accepts_multipart(accept: str | None) -> bool:
    """Whether the client takes incremental delivery: ``multipart/mixed`` accepted, with
    ``deferSpec=20220824`` or none (a ``subscriptionSpec`` alone is for subscriptions)."""
    if not accept:
        return False
    for part in accept.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        if pieces[0].lower() != MULTIPART_MIXED:
            continue
        parameters = dict(
            (name.strip().lower(), value.strip().strip('"'))
            for name, _, value in (piece.partition("=") for piece in pieces[1:])
        )
        if parameters.get("q") is not None and _quality(parameters["q"]) <= 0:
            continue
        spec = parameters.get("deferspec")
        if spec is None and "subscriptionspec" in parameters:
            continue
        if spec is None or spec == DEFER_SPEC:
            return True
    return False


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def encode_part(payload: Payload) -> bytes:
    return PART_HEAD + orjson.dumps(payload)


class PayloadPump:
    """Runs ``payloads`` in a task of its own (start it where the request's context is set);
    ``body()`` yields the encoded parts, then the closing delimiter."""

    def __init__(
        self,
        payloads: AsyncGenerator[Payload, None],
        *,
        timeout: float | None,
        timeout_error: Callable[[], dict[str, Any]],
        transform: Callable[[Payload], Payload] = lambda payload: payload,
        keep: AbstractAsyncContextManager[Any] | None = None,
    ) -> None:
        self._payloads = payloads
        self._timeout = timeout
        self._timeout_error = timeout_error
        self._transform = transform
        self._keep = keep
        self._queue: asyncio.Queue[Payload | None] = asyncio.Queue()
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        sent = 0
        finished = False
        try:
            async with contextlib.AsyncExitStack() as stack:
                if self._keep is not None:
                    await stack.enter_async_context(self._keep)
                async with asyncio.timeout(self._timeout):
                    async for payload in self._payloads:
                        await self._queue.put(self._transform(payload))
                        sent += 1
                        finished = payload.get("hasNext") is False
        except TimeoutError:
            error = self._timeout_error()
            if sent == 0:
                await self._queue.put({"data": None, "errors": [error], "hasNext": False})
            elif not finished:
                await self._queue.put(
                    {"incremental": [{"errors": [error], "path": []}], "hasNext": False}
                )
            finished = True
        except Exception:
            logger.exception("streaming an incremental response failed")
        finally:
            with contextlib.suppress(Exception):
                await self._payloads.aclose()
            if not finished and sent:
                await self._queue.put({"hasNext": False})
            await self._queue.put(None)

    async def body(self) -> AsyncIterator[bytes]:
        try:
            while True:
                payload = await self._queue.get()
                if payload is None:
                    break
                yield encode_part(payload)
            yield CLOSING
        finally:
            if not self._task.done():
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
