"""A description of the machine a benchmark ran on, stored with its results."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from pathlib import Path


def describe_machine() -> dict[str, str | int]:
    return {
        "host": socket.gethostname(),
        "cpu_model": _cpu_model(),
        "cpu_cores": os.cpu_count() or 0,
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_mib": _memory_mib(),
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
        "node": _version_of(["node", "--version"]),
        "wrk": _version_of(["wrk", "--version"]),
        "load_average_at_start": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def _cpu_model() -> str:
    for line in _read_lines(Path("/proc/cpuinfo")):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_mib() -> int:
    for line in _read_lines(Path("/proc/meminfo")):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 0


def _os_name() -> str:
    for line in _read_lines(Path("/etc/os-release")):
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _version_of(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    completed = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    output = (completed.stdout or completed.stderr).strip().splitlines()
    return output[0] if output else "unknown"
