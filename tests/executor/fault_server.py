"""Misbehaving subgraphs as small real servers: an asyncio TCP server on port 0 that reads
each HTTP request and answers it with whatever a test's ``Respond`` writes (or does not)."""

from __future__ import annotations

import asyncio
import socket
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Writes the answer to one request body; True keeps the connection open for another.
Respond = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]

MIB = 1024 * 1024


def status_of(path: Path) -> dict[str, int]:
    """The kB values of /proc/<pid>/status (VmRSS, VmHWM …)."""
    values = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            values[name] = int(parts[0])
    return values


def rss_bytes() -> int:
    return status_of(Path("/proc/self/status"))["VmRSS"] * 1024


def answer(body: bytes, status: str = "200 OK", headers: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


def gzip_bomb(gib: int = 1) -> bytes:
    """A valid gzip body of ``gib`` GiB of zeros, about 1 MB long, built without compressing
    (or allocating) the whole: one fully flushed deflate block per MiB is the same bytes."""
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(gib * 1024):
        crc = zlib.crc32(zeros, crc)
    size = (gib << 30) & 0xFFFFFFFF
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (gib * 1024) + compressor.flush() + struct.pack("<II", crc, size)


@dataclass
class FaultServer:
    respond: Respond
    url: str = ""
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)  # ends hanging answers

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                self.requests.append(body)
                keep = await self.respond(body, writer)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def hang(self) -> None:
        await self.release.wait()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset instead of an orderly close."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@asynccontextmanager
async def serving(respond: Respond) -> AsyncIterator[FaultServer]:
    server = FaultServer(respond)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}/graphql"
    try:
        yield server
    finally:
        server.release.set()
        listening.close()
        await listening.wait_closed()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"
