"""``fedra serve`` and ``fedra dev`` as real processes over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from router.commands.dev import SubgraphSpec, subgraph_environment
from tests.server.stack import (
    CROSS_SUBGRAPH_QUERY,
    REPO_ROOT,
    LiveSubgraphs,
    free_port,
    live_router,
    start_dev,
)

JSON_POST = {"content-type": "application/json"}


def fedra(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "router.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_cross_subgraph_query_works(url: str) -> None:
    response = httpx.post(url, json={"query": CROSS_SUBGRAPH_QUERY}, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["users"]["edges"]) == 2


def test_serve_with_url_overrides(
    tmp_path: Path, supergraph_sdl: str, live_stack: LiveSubgraphs
) -> None:
    with live_router(tmp_path, supergraph_sdl, live_stack.url_overrides()) as url:
        assert_cross_subgraph_query_works(url)
        me = httpx.post(
            url, json={"query": "{ me { name } }"}, headers={"x-user-id": "1"}, timeout=10
        )
        assert me.json()["data"]["me"] is None  # a client's x-user-id names nobody


def test_serve_with_config_file_and_workers(
    tmp_path: Path, supergraph_sdl: str, live_stack: LiveSubgraphs
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **live_stack.url_overrides(),
        "FEDRA_LOGGING__FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        # router.yaml verifies tokens against the dev key set: here, the live stack's
        "FEDRA_AUTHENTICATION__JWT__JWKS": f"[{{file: '{live_stack.keys.jwks_path}'}}]",
    }
    with live_router(
        tmp_path, supergraph_sdl, env, "--config", str(REPO_ROOT / "router.yaml"), "--workers", "2"
    ) as url:
        for _ in range(6):
            assert_cross_subgraph_query_works(url)
        me = httpx.post(
            url, json={"query": "{ me { name } }"}, headers=live_stack.keys.user(1), timeout=10
        )
        assert me.json()["data"]["me"]["name"], me.text
        refused = httpx.post(
            url, json={"query": "{ me { name } }"}, headers={"authorization": "Bearer x.y.z"}
        )
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        metrics = httpx.get(url.replace("/graphql", "/metrics")).text
        # Every worker's requests, aggregated through PROMETHEUS_MULTIPROC_DIR.
        assert 'fedra_http_requests_total{method="POST",status="200"} 7.0' in metrics
        assert 'fedra_http_requests_total{method="POST",status="401"} 1.0' in metrics
        deadline = time.monotonic() + 20
        while True:
            loaded = [
                json.loads(line)
                for line in (tmp_path / "router.log").read_text().splitlines()
                if line.startswith("{") and '"supergraph loaded"' in line
            ]
            if len({entry["pid"] for entry in loaded}) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len({entry["pid"] for entry in loaded}) == 2


def test_serve_reports_bad_configuration(tmp_path: Path, supergraph_sdl: str) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl)
    config = tmp_path / "router.yaml"
    config.write_text("limits: {max_depth: deep}\n")
    completed = fedra("serve", "--supergraph", str(supergraph), "--config", str(config))
    assert completed.returncode == 2
    assert "limits.max_depth" in completed.stderr

    completed = fedra(
        "serve", "--supergraph", str(supergraph), env={"FEDRA_SERVER__PORT": "not-a-port"}
    )
    assert completed.returncode == 2
    assert "server.port" in completed.stderr


def test_serve_refuses_a_claims_header_without_its_secret(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl)
    env = {
        "FEDRA_AUTHENTICATION__JWT__JWKS": f"[{{file: '{tmp_path / 'jwks.json'}'}}]",
        "FEDRA_AUTHENTICATION__CLAIMS_HEADER": "true",
        "FEDRA_AUTHENTICATION__CLAIMS_SECRET_ENV": "FEDRA_TEST_UNSET_CLAIMS_SECRET",
    }
    completed = fedra("serve", "--supergraph", str(supergraph), env=env)
    assert completed.returncode == 2
    assert "FEDRA_TEST_UNSET_CLAIMS_SECRET" in completed.stderr


def test_serve_reports_a_hook_that_does_not_load(tmp_path: Path, supergraph_sdl: str) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl)
    completed = fedra(
        "serve", "--supergraph", str(supergraph), env={"FEDRA_HOOKS": "[no_such_package:Hook]"}
    )
    assert completed.returncode == 2
    assert "hook 'no_such_package:Hook': cannot import no_such_package" in completed.stderr


def test_serve_reports_a_broken_supergraph(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text("type Query {")
    completed = fedra("serve", "--supergraph", str(supergraph))
    assert completed.returncode == 1
    assert "cannot load supergraph" in completed.stderr


def test_serve_reports_a_port_in_use(tmp_path: Path, supergraph_sdl: str) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = fedra("serve", "--supergraph", str(supergraph), "--port", str(port))
    assert completed.returncode == 1
    assert f"port {port}" in completed.stderr and "already in use" in completed.stderr


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_dev_starts_everything_and_ctrl_c_stops_everything(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    ports = {"users": free_port(), "products": free_port(), "orders": free_port()}
    router_port = free_port()
    process, output = start_dev(tmp_path, supergraph_sdl, ports, router_port)
    url = f"http://localhost:{router_port}/graphql"
    try:
        deadline = time.monotonic() + 90
        while f"GraphiQL: {url}" not in output.read_text():
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{router_port}/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.2)
        assert_cross_subgraph_query_works(f"http://127.0.0.1:{router_port}/graphql")
        plan = httpx.post(
            f"http://127.0.0.1:{router_port}/graphql",
            json={"query": "{ me { id } }"},
            headers={"x-fedra-query-plan": "true"},
        )
        assert "queryPlan" in plan.json()["extensions"]  # dev turns plans on
        assert_dev_verifies_tokens_of_its_key_set(
            tmp_path / "var" / "keys" / "jwks.json", f"http://127.0.0.1:{router_port}/graphql"
        )
        assert (tmp_path / "var" / "users.sqlite3").exists()
        assert (tmp_path / "var" / "supergraph.graphql").exists()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    text = output.read_text()
    assert code == 0, text
    for name in ports:
        assert f"stopped subgraph {name}" in text
    assert all(port_is_free(port) for port in [*ports.values(), router_port]), text


def assert_dev_verifies_tokens_of_its_key_set(jwks_path: Path, url: str) -> None:
    """The router of ``fedra dev`` verifies tokens against the dev key set file (which the users
    service writes at start): a key published there verifies, any other token is a 401."""
    from tests.auth.keys import SigningKey, claims

    key = SigningKey.ed25519()
    published = json.loads(jwks_path.read_text()) if jwks_path.exists() else {"keys": []}
    published["keys"].append(key.public_jwk())
    jwks_path.parent.mkdir(parents=True, exist_ok=True)
    jwks_path.write_text(json.dumps(published))
    ping = {"query": "{ __typename }"}
    accepted = httpx.post(url, json=ping, headers={"authorization": f"Bearer {key.sign(claims())}"})
    assert accepted.status_code == 200, accepted.text
    stranger = SigningKey.ed25519().sign(claims())
    refused = httpx.post(url, json=ping, headers={"authorization": f"Bearer {stranger}"})
    assert refused.status_code == 401, refused.text


def test_dev_gives_orders_its_token_endpoint_and_every_subgraph_one_key_directory(
    tmp_path: Path,
) -> None:
    specs = [
        SubgraphSpec("users", "http://localhost:4101/graphql", None),
        SubgraphSpec("products", "http://localhost:4102/graphql", None),
        SubgraphSpec("orders", "http://localhost:4103/graphql", None),
    ]
    env = subgraph_environment(specs, tmp_path / "var", {"HOME": "/home/dev"})
    assert env["HOME"] == "/home/dev"
    assert env["PRODUCTS_URL"] == "http://localhost:4102/graphql"
    assert env["USERS_TOKEN_URL"] == "http://localhost:4101/token"
    # the users service writes its JWKS and the orders dev secret there; orders reads them
    assert env["FEDRA_AUTH_KEYS_DIR"] == str((tmp_path / "var" / "keys").resolve())
    assert "FEDRA_SERVICE_SECRET_ORDERS" not in env
    configured = subgraph_environment(
        specs,
        tmp_path / "var",
        {"USERS_TOKEN_URL": "https://id.example/token", "FEDRA_AUTH_KEYS_DIR": "/keys"},
    )
    assert configured["USERS_TOKEN_URL"] == "https://id.example/token"
    assert configured["FEDRA_AUTH_KEYS_DIR"] == "/keys"


def test_dev_stops_on_sigterm(tmp_path: Path, supergraph_sdl: str) -> None:
    ports = {"users": free_port(), "products": free_port(), "orders": free_port()}
    process, output = start_dev(tmp_path, supergraph_sdl, ports, free_port())
    deadline = time.monotonic() + 90
    while "ready at" not in output.read_text():
        assert process.poll() is None, output.read_text()
        assert time.monotonic() < deadline, output.read_text()
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert all(port_is_free(port) for port in ports.values()), output.read_text()


def test_dev_reports_a_port_in_use(tmp_path: Path, supergraph_sdl: str) -> None:
    ports = {"users": free_port(), "products": free_port(), "orders": free_port()}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["products"]))
        taken.listen()
        process, output = start_dev(tmp_path, supergraph_sdl, ports, free_port())
        assert process.wait(timeout=30) == 1
    text = output.read_text()
    assert f"port {ports['products']} (products subgraph)" in text
    assert "starting subgraph" not in text


def test_dev_reports_a_subgraph_that_fails_to_start(tmp_path: Path, supergraph_sdl: str) -> None:
    ports = {"users": free_port(), "missing": free_port()}
    process, output = start_dev(tmp_path, supergraph_sdl, ports, free_port())
    assert process.wait(timeout=60) == 1
    text = output.read_text()
    assert "subgraph missing exited with code" in text
    assert "last lines of" in text and "subgraphs.missing" in text  # the log's tail
    assert "stopped subgraph users" in text
    assert port_is_free(ports["users"])


@pytest.mark.parametrize("name", ["serve", "dev"])
def test_help(name: str) -> None:
    completed = fedra(name, "--help")
    assert completed.returncode == 0
    assert "--port" in completed.stdout
