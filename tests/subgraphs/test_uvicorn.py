"""Each subgraph under a real uvicorn server, over real HTTP, by its ASGI path."""

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

from subgraphs.shared.seed import seed_data
from subgraphs.users.seed import DEMO_PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 90.0  # a loaded CI machine imports slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The three subgraphs, each `uvicorn subgraphs.<name>.app:app` on its own port; users keeps
    its keys in its own key directory, the others fetch its public keys from its JWKS URL."""
    ports = {name: free_port() for name in ("users", "products", "orders")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes = []
    for name, port in ports.items():
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / f'{name}.sqlite3'}",
            "PRODUCTS_URL": f"{urls['products']}/graphql",
            "FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys"),
            # orders gets its credential for products from the users service
            "USERS_TOKEN_URL": f"{urls['users']}/token",
        }
        if name != "users":
            env["FEDRA_AUTH_JWKS"] = f"{urls['users']}/.well-known/jwks.json"
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


async def sign_in(client: httpx.AsyncClient, users_url: str, email: str) -> dict[str, str]:
    """Authorization headers with an access token from the users service's token endpoint."""
    response = await client.post(
        f"{users_url}/token", data={"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def third_user_email() -> str:
    return seed_data().users[2].email


async def test_subgraphs_serve_sdl_and_entities_over_http(servers: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(wait_until_healthy(client, url) for url in servers.values()))
        for name, url in servers.items():
            sdl = (await post(client, url, "{ _service { sdl } }"))["_service"]
            assert isinstance(sdl, dict)
            committed = (REPO_ROOT / "schema" / f"{name}.graphql").read_text(encoding="utf-8")
            assert sdl["sdl"] == committed.rstrip("\n")

        first_user = await sign_in(client, servers["users"], "margaret.sutherland.1@example.com")
        users = await post(
            client,
            servers["users"],
            '{ _entities(representations: [{__typename: "User", id: "1"}]) '
            "{ ... on User { id email } } }",
            headers=first_user,
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
            headers=(third_user := await sign_in(client, servers["users"], third_user_email())),
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
            headers=third_user,  # an order is its owner's (or an admin's) to read
        )
        assert orders == {"_entities": [{"id": "3001", "status": "PLACED"}]}
        restocked = await post(
            client,
            servers["products"],
            '{ product(id: "1") { stock } }',
        )
        assert restocked == {"product": {"stock": 380}}
