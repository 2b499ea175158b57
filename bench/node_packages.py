"""The Node packages of the benchmark (subgraphs and peer gateways), installed with npm."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bench.workload import BENCH_DIR

NODE_DIR = BENCH_DIR / "node"
HIVE_DIR = NODE_DIR / "hive"


class NodeUnavailable(RuntimeError):
    """Node.js or npm is missing, or the packages could not be installed."""


def ensure_installed(package_dir: Path, timeout_s: float = 600.0) -> None:
    """``npm ci`` in ``package_dir`` unless its node_modules matches its package-lock.json."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise NodeUnavailable("node and npm are needed for the benchmark subgraphs and peers")
    marker = package_dir / "node_modules" / ".package-lock.json"
    lock = package_dir / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    completed = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=package_dir,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if completed.returncode != 0:
        raise NodeUnavailable(f"npm ci in {package_dir} failed:\n{completed.stderr[-2000:]}")


def installed_version(package_dir: Path, package: str) -> str:
    manifest = package_dir / "node_modules" / package / "package.json"
    try:
        version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, KeyError, ValueError):
        return "unknown"
    return version
