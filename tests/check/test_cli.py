"""`fedra compose` and `fedra check` on the project's subgraphs and on changed copies of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from router.cli import main

ROOT = Path(__file__).resolve().parents[2]
USER_TYPE = 'type User @key(fields: "id") {\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's supergraph config, subgraph SDLs and committed supergraph."""
    shutil.copy(ROOT / "supergraph.yaml", tmp_path / "supergraph.yaml")
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_the_committed_supergraph_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    """The project's CI gate: composing the committed subgraph SDLs gives the committed supergraph."""
    code = main(
        [
            "check",
            "--config",
            str(ROOT / "supergraph.yaml"),
            "--base",
            str(ROOT / "schema" / "supergraph.graphql"),
            "--require-up-to-date",
        ]
    )
    assert code == 0, capsys.readouterr().out


def test_compose_prints_writes_and_detects_stale_output(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compose"]) == 0
    printed = capsys.readouterr().out
    assert printed == (project / "schema" / "supergraph.graphql").read_text()
    assert "join__Graph" in printed and "ORDERS" in printed

    out = project / "out" / "supergraph.graphql"
    assert main(["compose", "--output", str(out)]) == 0
    assert out.read_text() == printed
    assert main(["compose", "--output", str(out), "--check"]) == 0

    edit(
        project / "schema" / "users.graphql",
        USER_TYPE,
        USER_TYPE + "  nickname: String\n",
    )
    assert main(["compose", "--output", str(out), "--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    assert "nickname" not in out.read_text()


def test_compose_errors_name_subgraph_line_and_code(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # products stops defining Money as @shareable while orders still defines it: a sharing error.
    edit(project / "schema" / "products.graphql", "type Money @shareable {", "type Money {")
    out = project / "schema" / "supergraph.graphql"
    before = out.read_text()
    assert main(["compose", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "INVALID_FIELD_SHARING" in err
    assert any(line.startswith(("products:", "orders:")) for line in err.splitlines())
    assert out.read_text() == before, "a failed composition must not write anything"


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compose", "--config", "missing.yaml"]) == 2
    assert "cannot read" in capsys.readouterr().err
    (project / "bad.yaml").write_text("subgraphs: {a: {schema: {}}}")
    assert main(["check", "--config", "bad.yaml"]) == 2
    assert main(["check", "--operations", "nothing/**/*.graphql"]) == 2
    with pytest.raises(SystemExit) as raised:
        main(["check", "--format", "xml"])
    assert raised.value.code == 2


def test_check_reports_breaking_and_safe_changes_as_json(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "schema" / "products.graphql",
        '  """Units available to order."""\n  stock: Int!\n',
        "",
    )
    edit(
        project / "schema" / "users.graphql",
        USER_TYPE,
        USER_TYPE + "  nickname: String\n",
    )
    assert main(["check", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    by_code = {(c["severity"], c["code"]) for c in report["changes"]}
    assert ("breaking", "FIELD_REMOVED") in by_code
    assert ("safe", "FIELD_ADDED") in by_code
    assert any("Product.stock" in c["message"] for c in report["changes"])
    assert report["stale"] is True


def test_check_validates_client_operations_with_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web = project / "web" / "pages"
    web.mkdir(parents=True)
    (web / "product.graphql").write_text(
        "query ProductPage($sku: String!) {\n  product(sku: $sku) {\n    name\n    stock\n  }\n}\n"
    )
    assert main(["check", "--operations", "web/**/*.graphql"]) == 0
    assert "1 checked, 0 problem(s)" in capsys.readouterr().out

    edit(
        project / "schema" / "products.graphql",
        '  """Units available to order."""\n  stock: Int!\n',
        "",
    )
    assert main(["check", "--operations", "web/**/*.graphql"]) == 1
    out = capsys.readouterr().out
    assert "web/pages/product.graphql:4:5 [ProductPage] Cannot query field" in out
    assert "FIELD_REMOVED" in out
    assert out.rstrip().endswith("Check failed.")


def test_check_reports_composition_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "schema" / "products.graphql",
        '  """Shipping weight in kilograms."""\n  weight: Float!\n',
        "",
    )
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Composition failed" in out
    assert "orders:" in out


def test_compose_from_running_subgraphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`schema: {subgraph_url}` asks each running subgraph for `_service { sdl }`."""
    from tests.server.stack import live_subgraphs

    monkeypatch.chdir(tmp_path)
    with live_subgraphs(tmp_path) as subgraphs:
        lines = ["subgraphs:"]
        for name, url in subgraphs.urls.items():
            routing = f"http://localhost:{4000 + 1 + ['users', 'products', 'orders'].index(name)}"
            lines += [
                f"  {name}:",
                f"    routing_url: {routing}/graphql",
                "    schema:",
                f"      subgraph_url: {url}",
            ]
        (tmp_path / "supergraph.yaml").write_text("\n".join(lines) + "\n")
        assert main(["compose", "--output", "live.graphql"]) == 0
    # The running subgraphs' SDLs compose to exactly the committed supergraph.
    assert (tmp_path / "live.graphql").read_text() == (
        ROOT / "schema" / "supergraph.graphql"
    ).read_text()
    capsys.readouterr()

    # The subgraphs are gone now: a clear error naming the subgraph, exit 2, nothing written.
    assert main(["compose", "--output", "again.graphql"]) == 2
    err = capsys.readouterr().err
    assert "subgraph users: could not reach subgraph at http://127.0.0.1:" in err
    assert not (tmp_path / "again.graphql").exists()
