"""``fedra registry`` as a process (config file, tokens file), ``fedra publish`` as CI runs it
(exit codes, the report naming the operations a change breaks), and the registry's web page in
headless Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.browser.conftest import browser  # noqa: F401  (the Chromium fixture)
from tests.registry.helpers import (
    ROUTING_URLS,
    SCOPES,
    SUBGRAPH_NAMES,
    TOKENS,
    bearer,
    sha256,
    subgraph_sdl,
)
from tests.server.stack import REPO_ROOT, free_port

pytestmark = pytest.mark.timeout(240)
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("registry-process")
    tokens_file = directory / "tokens.yaml"
    tokens_file.write_text(
        yaml.safe_dump(
            {
                "tokens": [
                    {
                        "name": f"{kind}-client",
                        "sha256": sha256(TOKENS[kind]),
                        "scopes": list(SCOPES[kind]),
                    }
                    for kind in TOKENS
                ]
            }
        )
    )
    config_file = directory / "registry.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "database_url": f"sqlite+aiosqlite:///{directory / 'registry.sqlite3'}",
                "instance_ttl_seconds": 3600,
                "health_check": {"interval_seconds": 0.5, "failures_before_drop": 100_000},
            }
        )
    )
    port = free_port()
    log = directory / "registry.log"
    env = {**os.environ, "FEDRA_REGISTRY_TOKENS_FILE": str(tokens_file)}
    env.pop("FEDRA_REGISTRY_DATABASE_URL", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "router.cli", "registry", "--config", str(config_file),
             "--port", str(port), "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fedra_publish(
    registry_url: str, name: str, schema: Path, token: str | None = TOKENS["publish"]
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEDRA_REGISTRY_TOKEN": token or ""}
    return subprocess.run(
        [sys.executable, "-m", "router.cli", "publish", "--registry", registry_url,
         "--name", name, "--schema", str(schema), "--routing-url", ROUTING_URLS[name],
         "--author", "ci-bot", "--version", "2.0.0"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def published(registry_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The three subgraphs, a recorded operation, a rejected and an accepted change, and an
    instance failing its health checks."""
    directory = tmp_path_factory.mktemp("schemas")
    outcomes: dict[str, Any] = {}
    for name in SUBGRAPH_NAMES:
        completed = fedra_publish(registry_url, name, REPO_ROOT / "schema" / f"{name}.graphql")
        assert completed.returncode == 0, completed.stdout + completed.stderr
    outcomes["first"] = completed
    usage = httpx.post(
        f"{registry_url}/api/v1/usage",
        json={
            "router_id": "router-a",
            "operations": [
                {
                    "hash": "9f2c01",
                    "name": "ProductDetails",
                    "count": 12,
                    "last_seen": datetime.now(UTC).isoformat(),
                    "coordinates": ["Query.product", "Product.description", "Product.name"],
                }
            ],
        },
        headers=bearer("report"),
    )
    assert usage.status_code == 202
    breaking = directory / "products-breaking.graphql"
    breaking.write_text(subgraph_sdl("products").replace("  description: String!\n", "", 1))
    outcomes["rejected"] = fedra_publish(registry_url, "products", breaking)
    compatible = directory / "products-color.graphql"
    compatible.write_text(
        subgraph_sdl("products").replace("  stock: Int!\n", "  stock: Int!\n  color: String\n", 1)
    )
    outcomes["accepted"] = fedra_publish(registry_url, "products", compatible)
    outcomes["no_token"] = fedra_publish(registry_url, "products", compatible, token=None)
    outcomes["bad_token"] = fedra_publish(registry_url, "products", compatible, token="wrong")
    dead = httpx.post(
        f"{registry_url}/api/v1/subgraphs/users/instances/users-dead/heartbeat",
        json={"routing_url": f"http://127.0.0.1:{free_port()}/graphql"},
        headers=bearer("publish"),
    )
    assert dead.status_code == 200
    return outcomes


def test_fedra_publish_exit_codes_and_report(published: dict[str, Any]) -> None:
    assert "orders: accepted, supergraph version 3" in published["first"].stdout
    rejected = published["rejected"]
    assert rejected.returncode == 1
    assert rejected.stdout.splitlines()[:4] == [
        "products: REJECTED (1 breaking (1 used))",
        "  breaking FIELD_REMOVED Product.description: Field Product.description was removed.",
        "    used by 1 operation(s):",
        rejected.stdout.splitlines()[3],
    ]
    assert rejected.stdout.splitlines()[3].startswith(
        "      ProductDetails 9f2c01: 12 request(s), last seen "
    )
    accepted = published["accepted"]
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert accepted.stdout.startswith("products: accepted, supergraph version 4\n")
    assert "safe FIELD_ADDED: Product.color was added." in accepted.stdout
    assert published["no_token"].returncode == 2
    assert "no token: set FEDRA_REGISTRY_TOKEN" in published["no_token"].stderr
    assert published["bad_token"].returncode == 2
    assert "HTTP 401: unknown token" in published["bad_token"].stderr


def test_web_page_shows_subgraphs_instances_versions_diffs_and_checks(
    browser: Any,  # noqa: F811
    registry_url: str,
    published: dict[str, Any],
) -> None:
    deadline = time.monotonic() + 30
    while True:  # the health checks mark the dead instance unhealthy
        listed = httpx.get(f"{registry_url}/api/v1/subgraphs").json()
        users = next(s for s in listed if s["name"] == "users")
        if users["instances"] and not users["instances"][0]["healthy"]:
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.2)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(registry_url) else external.append(r.url))
    page.goto(registry_url)
    page.wait_for_selector(
        '[data-testid="subgraphs"] tr[data-subgraph="products"]', timeout=TIMEOUT_MS
    )
    subgraphs = page.locator('[data-testid="subgraphs"] tbody').inner_text()
    for name in SUBGRAPH_NAMES:
        assert name in subgraphs
    assert ROUTING_URLS["products"] in subgraphs
    assert "2.0.0" in subgraphs and "ci-bot" in subgraphs
    instance = page.locator('[data-testid="instances"] tr[data-instance="users-dead"]')
    instance.wait_for(timeout=TIMEOUT_MS)
    assert "unhealthy" in instance.inner_text()
    assert "ConnectError" in instance.inner_text()
    versions = page.locator('[data-testid="versions"] tbody')
    versions.locator('tr[data-version="4"]').wait_for(timeout=TIMEOUT_MS)
    assert [
        row.get_attribute("data-version") for row in versions.locator("tr[data-version]").all()
    ] == ["4", "3", "2", "1"]
    # The newest version's diff is shown first; pick version 4 explicitly and read it.
    versions.locator('tr[data-version="4"]').click()
    page.wait_for_function(
        "document.querySelector('[data-testid=diff]').innerText.includes('+  color: String')",
        timeout=TIMEOUT_MS,
    )
    assert page.locator("#diff-title").inner_text() == "Diff: v3 → v4"
    assert page.locator('[data-testid="diff"] .add').first.inner_text() == (
        "+  color: String @join__field(graph: PRODUCTS)"
    )
    assert "safe: Product.color was added." in page.locator('[data-testid="changes"]').inner_text()
    versions.locator('tr[data-version="2"]').click()
    page.wait_for_function(
        "document.querySelector('#diff-title').innerText === 'Diff: v1 → v2'", timeout=TIMEOUT_MS
    )
    rejected = page.locator('[data-testid="checks"] [data-accepted="false"]').first
    rejected.wait_for(timeout=TIMEOUT_MS)
    text = rejected.inner_text()
    assert text.startswith("rejected products by ci-bot")
    assert "Product.description" in text and "used by 1 operation(s)" in text
    assert "ProductDetails (12" in text
    accepted = page.locator('[data-testid="checks"] [data-accepted="true"]').first
    assert "(version 4)" in accepted.inner_text()
    assert "supergraph v4" in page.locator('[data-testid="status"]').inner_text()
    artifacts = REPO_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "registry.png"), full_page=True)
    page.close()
    assert external == []
    assert console_errors == []
