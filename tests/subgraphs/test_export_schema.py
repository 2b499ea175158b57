"""The committed subgraph SDLs match what the subgraphs serve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from subgraphs import export_schema
from subgraphs.export_schema import SCHEMA_DIR, SUBGRAPH_NAMES, main, service_sdl, stale_files

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_committed_sdl_files_are_up_to_date() -> None:
    stale = stale_files()
    assert stale == [], f"stale SDL files {stale}: run python -m subgraphs.export_schema"


def test_check_lists_stale_files_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--schema-dir", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{name}.graphql" for name in SUBGRAPH_NAMES
    )
    assert main(["--check", "--schema-dir", str(tmp_path)]) == 0
    (tmp_path / "orders.graphql").write_text("type Query { stale: Int }\n", encoding="utf-8")
    (tmp_path / "users.graphql").unlink()
    capsys.readouterr()
    assert main(["--check", "--schema-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "orders.graphql" in err and "users.graphql" in err
    assert "products.graphql" not in err


def test_written_sdl_is_the_service_sdl(tmp_path: Path) -> None:
    export_schema.write_files(tmp_path)
    for name in SUBGRAPH_NAMES:
        assert (tmp_path / f"{name}.graphql").read_text(encoding="utf-8") == service_sdl(name)


def test_module_entry_point_checks_the_committed_files() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "subgraphs.export_schema", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert SCHEMA_DIR == REPO_ROOT / "schema"
