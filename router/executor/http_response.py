"""An incremental HTTP/1.1 response parser: status, the headers a client needs, the body.

Bodies framed by ``content-length``, by ``transfer-encoding: chunked`` or by the end of the
connection; ``1xx`` interim responses are skipped; gzip and deflate bodies are decoded.

Bounded: a head larger than ``max_head_bytes``, a body larger than ``max_body_bytes`` (as sent)
or one that decodes to more than ``max_decoded_bytes`` raises ``ResponseTooLarge`` as soon as
the limit is passed, so no response holds more than those bytes in memory.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Final

MAX_HEAD_BYTES: Final = 64 * 1024
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
MAX_DECODED_BYTES: Final = 64 * 1024 * 1024
MAX_CHUNK_LINE_BYTES: Final = 4096
_END_OF_HEAD: Final = b"\r\n\r\n"
_CRLF: Final = b"\r\n"
_NO_BODY_STATUSES: Final = frozenset({204, 304})


class HTTPResponseError(Exception):
    """The bytes received are not a valid HTTP/1.1 response."""


class ResponseTooLarge(HTTPResponseError):
    """The response passed one of the parser's size limits."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} too large: over the limit of {limit} bytes")
        self.what = what
        self.limit = limit


@dataclass(frozen=True, slots=True)
class ResponseLimits:
    """The most bytes one response may take: its head, its body as sent, its body decoded."""

    max_head_bytes: int = MAX_HEAD_BYTES
    max_body_bytes: int = MAX_BODY_BYTES
    max_decoded_bytes: int = MAX_DECODED_BYTES


DEFAULT_LIMITS: Final = ResponseLimits()


@dataclass(slots=True)
class HTTPResponse:
    status: int
    reason: str
    body: bytes
    keep_alive: bool  # the connection may carry another request
    cache_control: str | None = None  # the Cache-Control header, for the entity cache


class ResponseParser:
    """Fed with received bytes; ``done`` once one complete response has arrived."""

    __slots__ = (
        "_body_bytes",
        "_buffer",
        "_cache_control",
        "_chunks",
        "_content_encoding",
        "_keep_alive",
        "_max_body",
        "_max_decoded",
        "_max_head",
        "_mode",
        "_reason",
        "_remaining",
        "_status",
        "response",
    )

    def __init__(self, limits: ResponseLimits = DEFAULT_LIMITS) -> None:
        self._max_head = limits.max_head_bytes
        self._max_body = limits.max_body_bytes
        self._max_decoded = limits.max_decoded_bytes
        self._body_bytes = 0  # body bytes kept so far (chunked or until close)
        self._buffer = bytearray()
        self._mode = 0  # 0 head, 1 sized body, 2 chunk size line, 3 chunk data, 4 trailers,
        # 5 until close
        self._status = 0
        self._reason = ""
        self._keep_alive = True
        self._content_encoding = b""
        self._cache_control: str | None = None
        self._remaining = 0
        self._chunks: list[bytes] = []
        self.response: HTTPResponse | None = None

    @property
    def started(self) -> bool:
        """Some bytes of the response have arrived."""
        return bool(self._buffer) or self._mode != 0 or self.response is not None

    def feed(self, data: bytes) -> bool:
        """Consume ``data``; True once the response is complete."""
        if self.response is not None:
            return True
        buffer = self._buffer
        buffer += data
        mode = self._mode
        if mode == 1:  # the common case: the rest of a sized body
            if len(buffer) < self._remaining:
                return False
            return self._finish_sized()
        return self._advance()

    def feed_eof(self) -> bool:
        """The connection ended; True when that completes a body read until close."""
        if self.response is not None:
            return True
        if self._mode == 5:
            if self._body_bytes + len(self._buffer) > self._max_body:
                raise ResponseTooLarge("response body", self._max_body)
            self._chunks.append(bytes(self._buffer))
            self._buffer.clear()
            self._keep_alive = False
            self._complete(b"".join(self._chunks))
            return True
        return False

    def _advance(self) -> bool:
        buffer = self._buffer
        while True:
            mode = self._mode
            if mode == 0:
                end = buffer.find(_END_OF_HEAD)
                if end < 0:
                    if len(buffer) > self._max_head:
                        raise ResponseTooLarge("response head", self._max_head)
                    return False
                if end > self._max_head:
                    raise ResponseTooLarge("response head", self._max_head)
                head = bytes(buffer[:end])
                del buffer[: end + 4]
                self._read_head(head)
            elif mode == 1:
                if len(buffer) < self._remaining:
                    return False
                return self._finish_sized()
            elif mode == 2:
                end = buffer.find(_CRLF)
                if end < 0:
                    if len(buffer) > MAX_CHUNK_LINE_BYTES:
                        raise HTTPResponseError("chunk size line too long")
                    return False
                line = bytes(buffer[:end]).split(b";", 1)[0].strip()
                del buffer[: end + 2]
                try:
                    size = int(line, 16)
                except ValueError:
                    raise HTTPResponseError(f"invalid chunk size {line[:20]!r}") from None
                if size < 0:
                    raise HTTPResponseError("negative chunk size")
                if size == 0:
                    self._mode = 4
                else:
                    if self._body_bytes + size > self._max_body:
                        raise ResponseTooLarge("response body", self._max_body)
                    self._remaining = size
                    self._mode = 3
            elif mode == 3:
                if len(buffer) < self._remaining + 2:
                    return False
                size = self._remaining
                if buffer[size : size + 2] != _CRLF:
                    raise HTTPResponseError("chunk not followed by CRLF")
                self._chunks.append(bytes(buffer[:size]))
                self._body_bytes += size
                del buffer[: size + 2]
                self._mode = 2
            elif mode == 4:
                end = buffer.find(_CRLF)
                if end < 0:
                    if len(buffer) > self._max_head:
                        raise ResponseTooLarge("response trailers", self._max_head)
                    return False
                del buffer[: end + 2]
                if end == 0:  # the empty line after the (ignored) trailers
                    self._complete(b"".join(self._chunks))
                    return True
            else:  # 5: read until the connection closes
                if buffer:
                    self._body_bytes += len(buffer)
                    if self._body_bytes > self._max_body:
                        raise ResponseTooLarge("response body", self._max_body)
                    self._chunks.append(bytes(buffer))
                    buffer.clear()
                return False

    def _read_head(self, head: bytes) -> None:
        lines = head.split(_CRLF)
        status_line = lines[0]
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HTTPResponseError(f"invalid status line {status_line[:40]!r}")
        try:
            status = int(parts[1])
        except ValueError:
            raise HTTPResponseError(f"invalid status line {status_line[:40]!r}") from None
        if not 100 <= status <= 999:
            raise HTTPResponseError(f"invalid status {status}")
        http10 = parts[0] == b"HTTP/1.0"
        content_length: int | None = None
        chunked = False
        connection = b""
        encoding = b""
        cache_control: str | None = None
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                raise HTTPResponseError(f"invalid header line {line[:40]!r}")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    raise HTTPResponseError("invalid content-length") from None
                if length < 0 or (content_length is not None and content_length != length):
                    raise HTTPResponseError("invalid content-length")
                content_length = length
            elif name == b"transfer-encoding":
                chunked = value.strip().lower().endswith(b"chunked")
            elif name == b"connection":
                connection = value.strip().lower()
            elif name == b"content-encoding":
                encoding = value.strip().lower()
            elif name == b"cache-control":
                text = value.strip().decode("latin-1")
                cache_control = text if cache_control is None else f"{cache_control}, {text}"
        if 100 <= status < 200:
            if status == 101:
                raise HTTPResponseError("unexpected protocol switch")
            return  # an interim response: the real one follows
        self._status = status
        self._reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        self._content_encoding = encoding
        self._cache_control = cache_control
        self._keep_alive = (b"keep-alive" in connection) if http10 else (b"close" not in connection)
        if status in _NO_BODY_STATUSES:
            self._remaining = 0
            self._mode = 1
        elif chunked:
            self._mode = 2
        elif content_length is not None:
            if content_length > self._max_body:
                raise ResponseTooLarge("response body", self._max_body)
            self._remaining = content_length
            self._mode = 1
        else:
            self._keep_alive = False
            self._mode = 5

    def _finish_sized(self) -> bool:
        buffer = self._buffer
        size = self._remaining
        if len(buffer) > size:
            raise HTTPResponseError("more bytes than the response's content-length")
        body = bytes(buffer)
        buffer.clear()
        self._complete(body)
        return True

    def _complete(self, body: bytes) -> None:
        encoding = self._content_encoding
        if encoding and encoding != b"identity":
            body = _decode(body, encoding, self._max_decoded)
        self.response = HTTPResponse(
            self._status, self._reason, body, self._keep_alive, self._cache_control
        )


def _decode(body: bytes, encoding: bytes, limit: int) -> bytes:
    """``body`` decoded, never producing more than ``limit`` bytes (a bomb stops at the limit)."""
    if encoding in (b"gzip", b"x-gzip"):
        return _inflate(body, 16 + zlib.MAX_WBITS, encoding, limit)
    if encoding == b"deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, encoding, limit)
        except ResponseTooLarge:
            raise
        except HTTPResponseError:
            return _inflate(body, -zlib.MAX_WBITS, encoding, limit)  # raw deflate
    raise HTTPResponseError(f"unsupported content-encoding {encoding.decode('latin-1')}")


def _inflate(body: bytes, wbits: int, encoding: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        # at most limit + 1 bytes: one more than allowed proves the body too large
        decoded = decompressor.decompress(body, limit + 1)
    except zlib.error as error:
        raise HTTPResponseError(
            f"cannot decode {encoding.decode('latin-1')} body: {error}"
        ) from None
    if len(decoded) > limit:
        raise ResponseTooLarge("decoded response body", limit)
    if not decompressor.eof:
        raise HTTPResponseError(f"cannot decode {encoding.decode('latin-1')} body: truncated")
    return decoded
