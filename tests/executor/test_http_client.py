"""The executor's own HTTP/1.1 client against real sockets: a raw asyncio server plays the
subgraph, so every framing and connection behaviour can be produced on purpose."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from router.executor import FetcherOptions, SubgraphFetcher
from router.executor.http_pool import ConnectionPool
from router.executor.http_transport import PooledTransport
from tests.conftest import REQUIRE_TOOLS, require

ANSWER = b'{"data":{"ok":true}}'


@dataclass
class ReceivedRequest:
    head: str
    body: bytes
    connection: int  # which accepted connection carried it

    def header(self, name: str) -> str | None:
        for line in self.head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name:
                return value.strip()
        return None


Reply = Callable[[ReceivedRequest, asyncio.StreamWriter], Awaitable[bool]]


async def sized_reply(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))
    return True  # keep the connection open


@dataclass
class RawServer:
    reply: Reply = sized_reply
    requests: list[ReceivedRequest] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                received = ReceivedRequest(head.decode("latin-1"), b"", number)
                length = int(received.header("content-length") or 0)
                received.body = await reader.readexactly(length)
                self.requests.append(received)
                keep = await self.reply(received, writer)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def raw_server() -> AsyncIterator[tuple[RawServer, str]]:
    server = RawServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield server, f"http://127.0.0.1:{port}/graphql?x=1"
    for writer in server.writers:
        writer.close()
    listening.close()
    await listening.wait_closed()


def fetcher_for(url: str, **options: object) -> SubgraphFetcher:
    return SubgraphFetcher(FetcherOptions(urls={"s": url}, **options))  # type: ignore[arg-type]


async def test_request_line_headers_and_body(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server
    fetcher = fetcher_for(url)
    try:
        result = await fetcher.fetch("s", b'{"query":"{ok}"}', {"x-tenant": "a"})
    finally:
        await fetcher.aclose()
    assert result.response == {"data": {"ok": True}}
    assert result.status == 200
    [request] = server.requests
    assert request.head.startswith("POST /graphql?x=1 HTTP/1.1\r\n")
    assert request.header("host") == url.split("/")[2]
    assert request.header("content-type") == "application/json"
    assert request.header("accept") == "application/graphql-response+json, application/json"
    assert request.header("x-tenant") == "a"
    assert request.body == b'{"query":"{ok}"}'


async def test_chunked_answers_and_keep_alive(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server

    async def chunked(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (ANSWER[:5], ANSWER[5:]):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        return True

    server.reply = chunked
    fetcher = fetcher_for(url)
    try:
        results = [await fetcher.fetch("s", b"{}") for _ in range(3)]
    finally:
        await fetcher.aclose()
    assert [r.response for r in results] == [{"data": {"ok": True}}] * 3
    assert server.connections == 1


async def test_a_closing_server_gets_a_new_connection(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server

    async def close_after(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + ANSWER)
        return False

    server.reply = close_after
    fetcher = fetcher_for(url)
    try:
        results = [await fetcher.fetch("s", b"{}") for _ in range(3)]
    finally:
        await fetcher.aclose()
    assert [r.response for r in results] == [{"data": {"ok": True}}] * 3
    assert server.connections == 3


async def test_an_idle_connection_closed_by_the_server_is_not_reused(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server
    fetcher = fetcher_for(url)
    try:
        first = await fetcher.fetch("s", b"{}")
        for writer in server.writers:  # the server drops its idle keep-alive connection
            writer.close()
        await asyncio.sleep(0.05)
        second = await fetcher.fetch("s", b"{}")
    finally:
        await fetcher.aclose()
    assert first.response == second.response == {"data": {"ok": True}}
    assert [r.connection for r in server.requests] == [1, 2]


async def test_a_server_that_hangs_up_mid_answer(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server

    async def hang_up(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        return False

    server.reply = hang_up
    fetcher = fetcher_for(url)
    try:
        result = await fetcher.fetch("s", b"{}")
    finally:
        await fetcher.aclose()
    assert result.failure == {
        "message": "HTTP fetch failed from 's': Server disconnected before the whole response arrived.",
        "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "s"},
    }


async def test_garbage_instead_of_http(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server

    async def garbage(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"220 mail.example ESMTP\r\n\r\n")
        return True

    server.reply = garbage
    fetcher = fetcher_for(url)
    try:
        result = await fetcher.fetch("s", b"{}")
    finally:
        await fetcher.aclose()
    assert result.failure is not None
    assert result.failure["message"].startswith("HTTP fetch failed from 's': invalid status line")


async def test_a_timed_out_request_does_not_poison_the_pool(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server
    slow = True

    async def maybe_slow(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        if slow:
            await asyncio.sleep(0.5)
        return await sized_reply(request, writer)

    server.reply = maybe_slow
    fetcher = fetcher_for(url, timeout=0.1)
    try:
        timed_out = await fetcher.fetch("s", b"{}")
        slow = False
        answered = await fetcher.fetch("s", b"{}")
    finally:
        await fetcher.aclose()
    assert timed_out.failure is not None
    assert timed_out.failure["extensions"]["code"] == "SUBREQUEST_TIMEOUT"
    assert answered.response == {"data": {"ok": True}}
    assert [r.connection for r in server.requests] == [1, 2]  # the late answer was not read


async def test_the_pool_bounds_concurrent_connections(raw_server: tuple[RawServer, str]) -> None:
    server, url = raw_server

    async def slowly(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.02)
        return await sized_reply(request, writer)

    server.reply = slowly
    fetcher = fetcher_for(url, max_connections=3)
    try:
        # distinct bodies: identical ones in flight together would share one request
        results = await asyncio.gather(*(fetcher.fetch("s", b"[%d]" % n) for n in range(12)))
    finally:
        await fetcher.aclose()
    assert all(r.response == {"data": {"ok": True}} for r in results)
    assert server.connections == 3


async def test_a_cancelled_waiter_leaves_the_pool_usable(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server

    async def slowly(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        return await sized_reply(request, writer)

    server.reply = slowly
    pool = ConnectionPool(url, {}, max_connections=1)
    try:
        first = asyncio.ensure_future(pool.post(b"{}"))
        waiting = asyncio.ensure_future(pool.post(b"{}"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        assert (await first).body == ANSWER
        assert (await pool.post(b"{}")).body == ANSWER
        with pytest.raises(asyncio.CancelledError):
            await waiting
    finally:
        pool.close()
    assert server.connections == 1


@pytest.mark.parametrize(
    "headers", [{"x-evil": "a\r\nx-injected: 1"}, {"bad name": "v"}, {"x-null": "a\0b"}]
)
async def test_headers_that_cannot_be_sent_are_a_failure_not_a_request(
    raw_server: tuple[RawServer, str], headers: dict[str, str]
) -> None:
    server, url = raw_server
    fetcher = fetcher_for(url)
    try:
        result = await fetcher.fetch("s", b"{}", headers)
    finally:
        await fetcher.aclose()
    assert result.failure is not None
    assert result.failure["message"].startswith("HTTP fetch failed from 's': invalid request")
    assert server.requests == []


@dataclass
class RecordingObserver:
    seen: list[tuple[str, str, int | None, object]] = field(default_factory=list)

    async def before_fetch(self, service: str, url: str, headers: dict[str, str]) -> object:
        headers["traceparent"] = "00-abc-def-01"
        return f"token-{service}"

    async def after_fetch(
        self, service: str, token: object, status: int | None, seconds: float
    ) -> None:
        assert seconds >= 0
        self.seen.append((service, str(token), status, None))


async def test_the_observer_adds_headers_and_sees_every_outcome(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server
    observer = RecordingObserver()
    fetcher = SubgraphFetcher(
        FetcherOptions(urls={"s": url, "gone": closed_port_url()}, observer=observer)
    )
    try:
        ok = await fetcher.fetch("s", b"{}")
        refused = await fetcher.fetch("gone", b"{}")
    finally:
        await fetcher.aclose()
    assert ok.response is not None
    assert refused.failure is not None
    assert server.requests[0].header("traceparent") == "00-abc-def-01"
    assert observer.seen == [("s", "token-s", 200, None), ("gone", "token-gone", None, None)]


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


async def test_the_pooled_httpx_transport_carries_a_wrapped_client(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server

    async def gzipped(request: ReceivedRequest, writer: asyncio.StreamWriter) -> bool:
        body = gzip.compress(ANSWER)
        writer.write(
            b"HTTP/1.1 203 Fine\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )
        return True

    server.reply = gzipped
    transport = PooledTransport(max_connections=2)
    fetcher = SubgraphFetcher(
        FetcherOptions(
            urls={"s": url, "gone": closed_port_url()},
            transports={"s": transport, "gone": transport},
        )
    )
    try:
        results = [await fetcher.fetch("s", b"{}", {"x-tenant": "a"}) for _ in range(3)]
        refused = await fetcher.fetch("gone", b"{}")
    finally:
        await fetcher.aclose()
        await transport.aclose()
    assert [r.response for r in results] == [{"data": {"ok": True}}] * 3
    assert {r.status for r in results} == {203}
    assert server.connections == 1
    assert server.requests[0].header("x-tenant") == "a"
    assert server.requests[0].header("content-type") == "application/json"
    assert refused.failure is not None
    assert refused.failure["message"].startswith(
        f"HTTP fetch failed from 'gone': cannot connect to {fetcher.url_of('gone')}"
    )


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    require(REQUIRE_TOOLS, None if shutil.which("openssl") else "openssl is not on PATH")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


async def serve_tls(server: RawServer, certificate: tuple[Path, Path]) -> asyncio.Server:
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(*certificate)
    return await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_tls)


async def test_https_subgraph_with_a_trusted_certificate(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = RawServer()
    listening = await serve_tls(server, certificate)
    port = listening.sockets[0].getsockname()[1]
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trusted as httpx trusts it
    fetcher = fetcher_for(f"https://127.0.0.1:{port}/graphql")
    try:
        results = [await fetcher.fetch("s", b"{}") for _ in range(2)]
    finally:
        await fetcher.aclose()
        for writer in server.writers:
            writer.close()
        listening.close()
        await listening.wait_closed()
    assert [r.response for r in results] == [{"data": {"ok": True}}] * 2
    assert server.connections == 1
    assert server.requests[0].header("host") == f"127.0.0.1:{port}"


async def test_an_untrusted_certificate_is_a_connection_failure(
    certificate: tuple[Path, Path],
) -> None:
    server = RawServer()
    listening = await serve_tls(server, certificate)
    port = listening.sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}/graphql"
    fetcher = fetcher_for(url)
    try:
        result = await fetcher.fetch("s", b"{}")
    finally:
        await fetcher.aclose()
        listening.close()
        await listening.wait_closed()
    assert result.failure is not None
    assert result.failure["message"].startswith(
        f"HTTP fetch failed from 's': cannot connect to {url}"
    )
    assert "CERTIFICATE_VERIFY_FAILED" in result.failure["message"]
    assert server.requests == []


async def test_a_request_cancelled_while_checking_an_idle_connection_frees_its_slot(
    raw_server: tuple[RawServer, str],
) -> None:
    server, url = raw_server
    pool = ConnectionPool(url, {}, max_connections=1)
    try:
        assert (await pool.post(b"{}")).body == ANSWER
        pool._idle[0].idle_since -= 5.0  # idle long enough to be checked before reuse
        cancelled = asyncio.ensure_future(pool.post(b"{}"))
        await asyncio.sleep(0)  # it takes the idle connection and yields to check it
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        async with asyncio.timeout(2):
            assert (await pool.post(b"{}")).body == ANSWER
    finally:
        pool.close()
    assert server.connections == 2  # the abandoned connection was closed, not reused
