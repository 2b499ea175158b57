"""The production start-up without containers: each subgraph's database is migrated by
`python -m subgraphs.shared.migrate`, then the subgraph serves on PostgreSQL with
FEDRA_DATABASE_MIGRATIONS=1 (as compose and Kubernetes run them) and is ready; `fedra serve
--workers 2` answers a query across the three."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from subgraphs.shared.migrations import MIGRATIONS_ENV, SUBGRAPH_NAMES, head_revisions
from subgraphs.shared.testing_tokens import TestKeys
from tests.deploy.conftest import FreshDatabases
from tests.server.stack import (
    CROSS_SUBGRAPH_QUERY,
    REPO_ROOT,
    authentication_environ,
    compose_supergraph_sdl,
    free_port,
    live_router,
    stop,
    wait_for_http,
)

pytestmark = pytest.mark.postgres


@contextmanager
def migrated_subgraph(
    name: str, database_url: str, env: dict[str, str], directory: Path
) -> Iterator[str]:
    migrate = subprocess.run(
        [sys.executable, "-m", "subgraphs.shared.migrate", name, "--wait", "5"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env={**os.environ, **env, "DATABASE_URL": database_url, MIGRATIONS_ENV: "1"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        wait_for_http(url, process, log)
        yield url
    finally:
        stop(process)


def test_migrated_subgraphs_serve_behind_a_two_worker_router(
    tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    keys = TestKeys.create(tmp_path)
    products_port_env: dict[str, str] = {}
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name in ("users", "products", "orders"):
            env = {
                "FEDRA_AUTH_JWKS": str(keys.jwks_path),
                "FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys"),
                # cheap password hashing for the seeded accounts; production keeps the defaults
                "FEDRA_USERS_ARGON2_TIME_COST": "1",
                "FEDRA_USERS_ARGON2_MEMORY_KIB": "8192",
                **products_port_env,
            }
            urls[name] = stack.enter_context(
                migrated_subgraph(name, fresh_databases.create(f"live_{name}"), env, tmp_path)
            )
            if name == "products":
                products_port_env["PRODUCTS_URL"] = urls["products"]
        assert set(urls) == set(SUBGRAPH_NAMES)
        for name, url in urls.items():
            ready = httpx.get(url.replace("/graphql", "/ready"), timeout=5)
            assert ready.status_code == 200, ready.text
            assert ready.json()["schema"]["current"] == list(head_revisions(name))
        environ = {
            "FEDRA_ENV": "",
            **authentication_environ(keys),
            **{f"FEDRA_SUBGRAPHS__{n.upper()}__URL": u for n, u in urls.items()},
        }
        router_url = stack.enter_context(
            live_router(tmp_path, compose_supergraph_sdl(), environ, "--workers", "2")
        )
        for _ in range(4):  # both workers answer
            response = httpx.post(router_url, json={"query": CROSS_SUBGRAPH_QUERY}, timeout=30)
            assert response.status_code == 200
            body = response.json()
            assert "errors" not in body, body
            assert len(body["data"]["users"]["edges"]) == 2
            assert body["data"]["topProducts"][0]["shippingEstimate"]["amount"] is not None
