"""The load generator: wrk, POSTing the benchmark query with a Lua script, bounded in time
and in number of requests. Only ever aimed at 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from bench.servers import pinned
from bench.workload import BENCH_DIR

LUA_SCRIPT = BENCH_DIR / "wrk" / "post_query.lua"
SUMMARY_MARKER = "BENCH-SUMMARY "
PERCENTILES = ("50", "75", "90", "95", "99", "99.9")


class LoadFailed(RuntimeError):
    """wrk is missing or did not produce a summary."""


@dataclass(frozen=True)
class LoadSettings:
    connections: int
    threads: int
    duration_s: float
    warmup_s: float
    rounds: int
    max_requests: int
    timeout_s: float = 10.0


@dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    budget_spent: bool
    requests_per_s: float
    latency_ms: dict[str, float]
    wrong_size: int
    non_200: int
    socket_errors: dict[str, int]

    @property
    def failures(self) -> int:
        errors = sum(count for name, count in self.socket_errors.items() if name != "status")
        return self.wrong_size + self.non_200 + errors


def ensure_wrk() -> None:
    """Install Debian's wrk when it is missing (the benchmark runs as root on Debian)."""
    if shutil.which("wrk") is not None:
        return
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if completed.returncode != 0:
            raise LoadFailed(f"could not install wrk ({' '.join(command)}):\n{completed.stderr}")
    if shutil.which("wrk") is None:
        raise LoadFailed("wrk is still missing after apt-get install wrk")


def run_load(
    url: str,
    body_file: Path,
    expected_bytes: int,
    settings: LoadSettings,
    duration_s: float,
    cpus: list[int],
) -> LoadResult:
    """One wrk run of ``duration_s`` seconds (or fewer, when the request budget runs out)."""
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        raise LoadFailed(f"refusing to send load anywhere but 127.0.0.1: {url}")
    threads = max(1, min(settings.threads, settings.connections))
    per_thread = max(1, settings.max_requests // threads) if settings.max_requests else 0
    command = pinned(
        [
            "wrk",
            f"--threads={threads}",
            f"--connections={settings.connections}",
            f"--duration={max(1, round(duration_s))}s",
            f"--timeout={round(settings.timeout_s)}s",
            f"--script={LUA_SCRIPT}",
            url,
            "--",
            str(body_file),
            str(expected_bytes),
            str(per_thread),
        ],
        cpus,
    )
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + settings.timeout_s + 30
    )
    for line in completed.stdout.splitlines():
        if line.startswith(SUMMARY_MARKER):
            return _parse_summary(orjson.loads(line[len(SUMMARY_MARKER) :]))
    raise LoadFailed(f"wrk gave no summary (exit {completed.returncode}):\n{completed.stderr}")


def _parse_summary(summary: dict[str, object]) -> LoadResult:
    latency = summary["latency_us"]
    errors = summary["errors"]
    assert isinstance(latency, dict) and isinstance(errors, dict)
    percentiles = latency["percentiles"]
    requests = int(str(summary["requests"]))
    duration_s = int(str(summary["duration_us"])) / 1e6
    latency_ms = {f"p{name}": percentiles[name] / 1000 for name in PERCENTILES}
    latency_ms["mean"] = float(latency["mean"]) / 1000
    latency_ms["max"] = float(latency["max"]) / 1000
    return LoadResult(
        requests=requests,
        duration_s=duration_s,
        budget_spent=bool(summary["budget_spent"]),
        requests_per_s=requests / duration_s if duration_s else 0.0,
        latency_ms=latency_ms,
        wrong_size=int(str(summary["wrong_size"])),
        non_200=int(str(summary["non_200"])),
        socket_errors={str(name): int(count) for name, count in errors.items()},
    )
