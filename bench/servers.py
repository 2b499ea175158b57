"""Server processes of a benchmark run: started pinned to CPUs, waited for, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType


class ServerFailed(RuntimeError):
    """A server did not start, or exited while it was needed; ``log_tail`` is the end of its
    output."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


def pinned(command: Sequence[str], cpus: Sequence[int]) -> list[str]:
    """The command run under ``taskset`` on the given CPUs (as is when there is nothing to pin)."""
    if not cpus:
        return list(command)
    return ["taskset", "-c", ",".join(str(cpu) for cpu in cpus), *command]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) != 0


@dataclass
class ServerProcess:
    """One server: a command whose output goes to a log file, listening on host:port."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout_s: float) -> None:
        if not port_is_free(self.port, self.host):
            raise ServerFailed(f"{self.name}: port {self.port} is already in use")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_listening(ready_timeout_s)

    def _wait_listening(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.ensure_running()
            if not port_is_free(self.port, self.host):
                return
            time.sleep(0.1)
        self.stop()
        raise ServerFailed(
            f"{self.name}: not listening on port {self.port} after {timeout_s:.0f}s",
            self.log_tail(),
        )

    def ensure_running(self) -> None:
        if self.process is None:
            raise ServerFailed(f"{self.name}: not started")
        code = self.process.poll()
        if code is not None:
            raise ServerFailed(f"{self.name}: exited with code {code}", self.log_tail())

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and the processes it started."""
        if self.process is None:
            return 0.0
        return sum(_process_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def stop(self, grace_s: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=grace_s)
        except ProcessLookupError:
            pass

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """The process and its descendants (those alive now)."""
    return _process_tree(root)


def _process_tree(root: int) -> list[int]:
    found = [root]
    index = 0
    while index < len(found):
        pid = found[index]
        index += 1
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            found.extend(int(child) for child in children)
    return found


def _process_cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    user_ticks, system_ticks = int(fields[11]), int(fields[12])
    return (user_ticks + system_ticks) / _CLOCK_TICKS
