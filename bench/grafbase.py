"""The Grafbase gateway as a benchmark peer: the Grafbase CLI's ``dev`` server (its Rust gateway),
from the prebuilt Linux x86-64 binary that ships inside an npm package (``node/grafbase``).

``grafbase dev`` composes the graph itself, from a ``grafbase.toml`` naming each subgraph's URL and
SDL file; the SDLs are read from the running benchmark subgraphs (``_service { sdl }``) when the
gateway is started, so it composes exactly what the other gateways get as a supergraph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx

from bench.node_packages import NODE_DIR
from bench.workload import SUBGRAPH_NAMES, SUBGRAPHS_PORT

GRAFBASE_DIR = NODE_DIR / "grafbase"
GRAFBASE_PACKAGE = "@grafbase/cli-x86_64-unknown-linux-musl"
GRAFBASE_BINARY = GRAFBASE_DIR / "node_modules" / GRAFBASE_PACKAGE / "grafbase"
SDL_QUERY = {"query": "{ _service { sdl } }"}


def subgraph_url(name: str, port: int = SUBGRAPHS_PORT) -> str:
    return f"http://127.0.0.1:{port}/{name}"


def fetch_sdl(url: str, timeout_s: float = 10.0) -> str:
    response = httpx.post(url, json=SDL_QUERY, timeout=timeout_s)
    response.raise_for_status()
    sdl: str = response.json()["data"]["_service"]["sdl"]
    return sdl


def config_text(names: tuple[str, ...], port: int = SUBGRAPHS_PORT) -> str:
    """``grafbase.toml``: each subgraph's URL and its SDL file ``<name>.graphql`` beside it."""
    lines: list[str] = []
    for name in names:
        lines += [f"[subgraphs.{name}]", f'url = "{subgraph_url(name, port)}"']
        lines += [f'schema_path = "{name}.graphql"', ""]
    return "\n".join(lines)


def write_config(directory: Path, port: int = SUBGRAPHS_PORT) -> Path:
    """Write ``grafbase.toml`` and the subgraphs' SDL files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in SUBGRAPH_NAMES:
        sdl = fetch_sdl(subgraph_url(name, port))
        (directory / f"{name}.graphql").write_text(sdl, encoding="utf-8")
    config = directory / "grafbase.toml"
    config.write_text(config_text(SUBGRAPH_NAMES, port), encoding="utf-8")
    return config


def grafbase_command(gateway_port: int) -> list[str]:
    """``grafbase dev`` on 127.0.0.1:``gateway_port``, its config and home in a scratch folder
    (rewritten on every start)."""
    scratch = Path(tempfile.gettempdir()) / f"fedra-bench-grafbase-{gateway_port}"
    config = write_config(scratch)
    listen = ["--listen-address", f"127.0.0.1:{gateway_port}"]
    return [str(GRAFBASE_BINARY), "--home", str(scratch), "dev", "-c", str(config), *listen]
