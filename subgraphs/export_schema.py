"""Writes each subgraph's `_service { sdl }` to schema/<name>.graphql.

python -m subgraphs.export_schema           # write the files
python -m subgraphs.export_schema --check   # exit 1, listing stale files, if any differ
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from strawberry.federation import Schema

SUBGRAPH_NAMES = ("users", "products", "orders")
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"


def subgraph_schema(name: str) -> Schema:
    module = importlib.import_module(f"subgraphs.{name}.schema")
    schema = module.schema
    assert isinstance(schema, Schema)
    return schema


def service_sdl(name: str) -> str:
    """What the subgraph answers to `{ _service { sdl } }`, ending with a newline."""
    result = subgraph_schema(name).execute_sync("{ _service { sdl } }")
    if result.errors or result.data is None:
        raise RuntimeError(f"{name}: _service query failed: {result.errors}")
    sdl = str(result.data["_service"]["sdl"])
    return sdl if sdl.endswith("\n") else sdl + "\n"


def sdl_path(name: str, schema_dir: Path = SCHEMA_DIR) -> Path:
    return schema_dir / f"{name}.graphql"


def stale_files(schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    """Committed SDL files that are missing or differ from the subgraphs' current SDL."""
    stale = []
    for name in SUBGRAPH_NAMES:
        path = sdl_path(name, schema_dir)
        if not path.exists() or path.read_text(encoding="utf-8") != service_sdl(name):
            stale.append(path)
    return stale


def write_files(schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SUBGRAPH_NAMES:
        path = sdl_path(name, schema_dir)
        path.write_text(service_sdl(name), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.export_schema")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a committed SDL file is out of date"
    )
    parser.add_argument("--schema-dir", type=Path, default=SCHEMA_DIR)
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.schema_dir)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run: python -m subgraphs.export_schema", file=sys.stderr)
            return 1
        return 0
    for path in write_files(args.schema_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
