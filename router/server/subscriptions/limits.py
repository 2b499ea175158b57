"""How many subscription connections each client (by IP address) holds at once."""

from __future__ import annotations

from collections import Counter


class ConnectionLimiter:
    """Counts open WebSocket, SSE and multipart subscription connections per client."""

    def __init__(self, max_per_client: int) -> None:
        self.max_per_client = max_per_client
        self._open: Counter[str] = Counter()

    def acquire(self, client: str) -> bool:
        """Take a connection for ``client``; False when it already holds its maximum."""
        if self._open[client] >= self.max_per_client:
            return False
        self._open[client] += 1
        return True

    def release(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]

    def open_connections(self, client: str) -> int:
        return self._open[client]
