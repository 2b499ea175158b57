"""The HTTP/1.1 response parser: framing, interim responses, content encodings, bad input."""

from __future__ import annotations

import gzip
import zlib

import pytest

from router.executor.http_response import HTTPResponse, HTTPResponseError, ResponseParser


def parse_in_pieces(raw: bytes, size: int) -> HTTPResponse:
    parser = ResponseParser()
    done = False
    for start in range(0, len(raw), size):
        assert not done, "complete before the last piece"
        done = parser.feed(raw[start : start + size])
    assert done
    assert parser.response is not None
    return parser.response


@pytest.mark.parametrize("piece", [1, 3, 7, 1000])
def test_content_length_body_in_any_pieces(piece: int) -> None:
    raw = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"data":{}}'
    response = parse_in_pieces(raw, piece)
    assert response == HTTPResponse(200, "OK", b'{"data":{}}', keep_alive=True)


@pytest.mark.parametrize("piece", [1, 4, 1000])
def test_chunked_body_with_extensions_and_trailers(piece: int) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;name=value\r\n{"da\r\n7\r\nta":{}}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    )
    assert parse_in_pieces(raw, piece).body == b'{"data":{}}'


def test_interim_responses_are_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
    response = parse_in_pieces(raw, 5)
    assert (response.status, response.reason, response.body) == (201, "Created", b"{}")


def test_body_until_close_is_complete_at_eof_and_not_reusable() -> None:
    parser = ResponseParser()
    assert not parser.feed(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"data"')
    assert not parser.feed(b":null}")
    assert parser.feed_eof()
    assert parser.response == HTTPResponse(200, "OK", b'{"data":null}', keep_alive=False)


def test_eof_before_the_end_of_a_sized_body_is_not_a_response() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}")
    assert not parser.feed_eof()
    assert parser.response is None


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0", True),
    ],
)
def test_keep_alive_follows_the_version_and_connection_header(
    head: bytes, keep_alive: bool
) -> None:
    assert parse_in_pieces(head + b"\r\n\r\n", 100).keep_alive is keep_alive


def test_no_body_statuses_end_at_the_head() -> None:
    assert parse_in_pieces(b"HTTP/1.1 204 No Content\r\n\r\n", 100).body == b""


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        (b"gzip", gzip.compress(b'{"data":{"a":1}}')),
        (b"deflate", zlib.compress(b'{"data":{"a":1}}')),
    ],
)
def test_compressed_bodies_are_decoded(encoding: bytes, encoded: bytes) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n" % (
        encoding,
        len(encoded),
    )
    assert parse_in_pieces(raw + encoded, 10).body == b'{"data":{"a":1}}'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"SMTP ready\r\n\r\n", "invalid status line"),
        (b"HTTP/1.1 abc OK\r\n\r\n", "invalid status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "invalid header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "invalid content-length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{}", "more bytes"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx", "br"),
    ],
)
def test_invalid_responses_are_errors(raw: bytes, message: str) -> None:
    with pytest.raises(HTTPResponseError, match=message):
        ResponseParser().feed(raw)


def test_an_endless_head_is_an_error() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(HTTPResponseError, match="too large"):
        parser.feed(b"X-Filler: " + b"a" * 70_000)
