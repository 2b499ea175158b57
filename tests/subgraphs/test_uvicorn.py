"""Each subgraph under a real uvicorn server, over real HTTP, by its ASGI path.

Callers are verified against a test JWKS file; orders gets its service credential from a real
token endpoint over HTTP (the client credentials grant) and sends it to products.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from subgraphs.shared.testing import served_over_http
from subgraphs.shared.testing_tokens import ORDERS_SERVICE_SCOPE, ServiceClient, TestKeys

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 30.0
ORDERS_SECRET = "uvicorn-orders-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def keys(tmp_path: Path) -> TestKeys:
    return TestKeys.create(tmp_path)


@pytest.fixture
def token_endpoint(keys: TestKeys) -> Iterator[tuple[str, FastAPI]]:
    """A token endpoint granting orders its credential, served by uvicorn on a free port."""
    app = keys.token_endpoint({"orders": ServiceClient(ORDERS_SECRET, ORDERS_SERVICE_SCOPE)})
    with served_over_http(app) as base_url:
        yield f"{base_url}/token", app


@pytest.fixture
def servers(
    tmp_path: Path, keys: TestKeys, token_endpoint: tuple[str, FastAPI]
) -> Iterator[dict[str, str]]:
    """The three subgraphs, each `uvicorn subgraphs.<name>.app:app` on its own port."""
    ports = {name: free_port() for name in ("users", "products", "orders")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes = []
    for name, port in ports.items():
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / f'{name}.sqlite3'}",
            "PRODUCTS_URL": f"{urls['products']}/graphql",
            "FEDRA_AUTH_JWKS": str(keys.jwks_path),
            "FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys"),
            "USERS_TOKEN_URL": token_endpoint[0],
            "FEDRA_SERVICE_SECRET_ORDERS": ORDERS_SECRET,
        }
        log = (tmp_path / f"{name}.log").open("wb")
        processes.append(
            (
                subprocess.Popen(
                    [
                        sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app",
                        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                    ],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )  # fmt: skip
    try:
        yield urls
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


async def wait_until_healthy(client: httpx.AsyncClient, url: str) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            if (await client.get(f"{url}/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{url} did not start")
        await asyncio.sleep(0.1)


async def post(
    client: httpx.AsyncClient, url: str, query: str, headers: dict[str, str] | None = None
) -> dict[str, object]:
    response = await client.post(f"{url}/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    assert isinstance(data, dict)
    return data


async def test_subgraphs_serve_sdl_and_entities_over_http(
    servers: dict[str, str], keys: TestKeys, token_endpoint: tuple[str, FastAPI]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(wait_until_healthy(client, url) for url in servers.values()))
        for name, url in servers.items():
            sdl = (await post(client, url, "{ _service { sdl } }"))["_service"]
            assert isinstance(sdl, dict)
            committed = (REPO_ROOT / "schema" / f"{name}.graphql").read_text(encoding="utf-8")
            assert sdl["sdl"] == committed.rstrip("\n")

        users = await post(
            client,
            servers["users"],
            '{ _entities(representations: [{__typename: "User", id: "1"}]) '
            "{ ... on User { id email } } }",
        )
        assert users == {"_entities": [{"id": "1", "email": "margaret.sutherland.1@example.com"}]}
        products = await post(
            client,
            servers["products"],
            '{ _entities(representations: [{__typename: "Product", sku: "FED-00001"}]) '
            "{ ... on Product { id stock } } }",
        )
        assert products["_entities"] == [{"id": "1", "stock": 382}]
        placed = await post(
            client,
            servers["orders"],
            'mutation { placeOrder(input: {items: [{productId: "1", quantity: 2}]}) '
            "{ id user { id } items { product { id name } quantity } } }",
            headers=keys.user(3),
        )
        assert placed["placeOrder"] == {
            "id": "3001",
            "user": {"id": "3"},
            "items": [{"product": {"id": "1", "name": "Heavy-duty Oak Kettle"}, "quantity": 2}],
        }
        orders = await post(
            client,
            servers["orders"],
            '{ _entities(representations: [{__typename: "Order", id: "3001"}]) '
            "{ ... on Order { id status } } }",
            headers=keys.user(3),
        )
        assert orders == {"_entities": [{"id": "3001", "status": "PLACED"}]}
        assert token_endpoint[1].state.issued == 1
        response = await client.post(
            f"{servers['orders']}/graphql",
            json={"query": '{ order(id: "3001") { id } }'},
            headers={"x-user-id": "3"},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        restocked = await post(
            client,
            servers["products"],
            '{ product(id: "1") { stock } }',
        )
        assert restocked == {"product": {"stock": 380}}
