"""``fedra plan``: the plan, or one stage, for an operation given on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.cli import main

SUPERGRAPH = Path(__file__).resolve().parents[2] / "bench" / "workload" / "supergraph.graphql"


@pytest.fixture
def supergraph(tmp_path: Path) -> str:
    target = tmp_path / "supergraph.graphql"
    target.write_text(SUPERGRAPH.read_text(encoding="utf-8"), encoding="utf-8")
    return str(target)


def test_prints_the_plan(supergraph: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "--supergraph", supergraph, "{ me { name reviews { body } } }"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "accounts") {')
    assert 'Flatten(path: "me") {' in out
    assert 'Fetch(service: "reviews")' in out


def test_prints_stages(supergraph: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    operation = tmp_path / "op.graphql"
    operation.write_text("query Top { topProducts { name inStock } }", encoding="utf-8")
    assert main(["plan", "--supergraph", supergraph, "-f", str(operation), "--stage", "graph"]) == 0
    assert capsys.readouterr().out.startswith("digraph QueryGraph {")
    assert (
        main(["plan", "--supergraph", supergraph, "-f", str(operation), "--stage", "normalized"])
        == 0
    )
    assert capsys.readouterr().out.startswith("query Top {\n  topProducts {")
    assert (
        main(["plan", "--supergraph", supergraph, "-f", str(operation), "--stage", "fetch-graph"])
        == 0
    )
    described = capsys.readouterr().out
    assert "[0] products at (root)" in described
    assert "[1] inventory at topProducts.@ after 0" in described
    code = main(["plan", "--supergraph", supergraph, "-f", str(operation), "--stage", "optimized"])
    assert code == 0
    assert "[1] inventory at topProducts.@ after 0" in capsys.readouterr().out


def test_invalid_operation_is_reported(supergraph: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--supergraph", supergraph, "{ nope }"]) == 1
    assert "Cannot query field 'nope'" in capsys.readouterr().err


def test_missing_supergraph_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--supergraph", str(tmp_path / "none.graphql"), "{ me { id } }"]) == 2
    assert "cannot read supergraph" in capsys.readouterr().err
