"""Orders calls products with its own credential, got by the OAuth2 client credentials grant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Form

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.service_token import (
    SECRET_ENV,
    ClientCredentialsTokenSource,
    ServiceTokenError,
    secret_from_env_or_keys_dir,
)
from subgraphs.shared.signing_keys import SigningKey
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import ORDERS_SERVICE_SCOPE, ServiceClient, TestKeys

from .conftest import (
    ORDERS_TEST_SECRET,
    PRODUCTS_TEST_URL,
    TOKEN_TEST_URL,
    DatabaseUrls,
    orders_service_tokens,
    restored,
)

PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }
"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { status } }"
ONE_ITEM = {"input": {"items": [{"productId": "2", "quantity": 1}]}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def endpoint_client(token_endpoint: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_endpoint)) as client:
        yield client


async def test_the_token_is_cached_until_shortly_before_it_expires(keys: TestKeys) -> None:
    endpoint = keys.token_endpoint(
        {"orders": ServiceClient(ORDERS_TEST_SECRET, ORDERS_SERVICE_SCOPE)}, lifetime=120
    )
    clock = Clock()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=endpoint)) as client:
        source = ClientCredentialsTokenSource(
            TOKEN_TEST_URL,
            secret=lambda: ORDERS_TEST_SECRET,
            client=client,
            refresh_margin=30,
            clock=clock,
        )
        first = await source.token()
        claims = await keys.verifier().verify(first)
        assert claims["sub"] == "service:orders"
        assert claims["scope"] == "stock:reserve"
        clock.now += 89
        assert await source.token() == first
        clock.now += 2  # 91 s: within 30 s of expiry
        second = await source.token()
        assert second != first
        assert endpoint.state.issued == 2
        # a refused token is replaced once; a refusal of an already replaced one is not
        third = await source.refresh(second)
        assert third != second
        assert await source.refresh(second) == third
        assert endpoint.state.issued == 3


async def test_wrong_or_missing_secrets_are_a_service_token_error(
    token_endpoint: FastAPI, endpoint_client: httpx.AsyncClient
) -> None:
    wrong = ClientCredentialsTokenSource(
        TOKEN_TEST_URL, secret=lambda: "guess", client=endpoint_client
    )
    with pytest.raises(ServiceTokenError, match="HTTP 401"):
        await wrong.token()
    missing = ClientCredentialsTokenSource(
        TOKEN_TEST_URL, secret=lambda: None, client=endpoint_client
    )
    with pytest.raises(ServiceTokenError, match=SECRET_ENV):
        await missing.token()
    unknown = ClientCredentialsTokenSource(
        TOKEN_TEST_URL,
        client_id="payments",
        secret=lambda: ORDERS_TEST_SECRET,
        client=endpoint_client,
    )
    with pytest.raises(ServiceTokenError):
        await unknown.token()
    nowhere = ClientCredentialsTokenSource(
        "http://users.test/no-token-here", secret=lambda: ORDERS_TEST_SECRET, client=endpoint_client
    )
    with pytest.raises(ServiceTokenError, match="answered HTTP 404"):
        await nowhere.token()
    assert token_endpoint.state.issued == 0


async def test_an_unreachable_token_endpoint_is_a_service_token_error() -> None:
    source = ClientCredentialsTokenSource(
        "http://127.0.0.1:9/token",
        secret=lambda: "s",
        transport=httpx.AsyncHTTPTransport(retries=0),
    )
    await source.start()
    try:
        with pytest.raises(ServiceTokenError, match="unreachable"):
            await source.token()
    finally:
        await source.aclose()


def test_the_secret_comes_from_the_env_else_the_key_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert secret_from_env_or_keys_dir(tmp_path) is None
    (tmp_path / "service-orders.secret").write_text("from-the-file\n")
    assert secret_from_env_or_keys_dir(tmp_path) == "from-the-file"
    monkeypatch.setenv(SECRET_ENV, "from-the-env")
    assert secret_from_env_or_keys_dir(tmp_path) == "from-the-env"


async def test_the_place_order_saga_runs_on_one_cached_service_credential(
    orders: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> None:
    me = keys.user(21)
    first = (await orders.execute(PLACE, ONE_ITEM, headers=me)).ok()["placeOrder"]
    second = (await orders.execute(PLACE, ONE_ITEM, headers=me)).ok()["placeOrder"]
    cancelled = await orders.execute(CANCEL, {"id": first["id"]}, headers=me)
    assert cancelled.ok()["cancelOrder"] == {"status": "CANCELLED"}
    assert second["status"] == "PLACED"
    assert token_endpoint.state.issued == 1  # reserve, reserve, release: one token


def flaky_token_endpoint(good: SigningKey, bad: SigningKey, bad_answers: int) -> FastAPI:
    """Issues `bad_answers` tokens products cannot verify, then good ones."""
    app = FastAPI()
    app.state.issued = 0

    @app.post("/token")
    async def token(
        grant_type: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
    ) -> dict[str, Any]:
        assert (grant_type, client_id, client_secret) == (
            "client_credentials",
            "orders",
            ORDERS_TEST_SECRET,
        )
        app.state.issued += 1
        signer = bad if app.state.issued <= bad_answers else good
        return {
            "access_token": signer.sign("service:orders", scope=ORDERS_SERVICE_SCOPE),
            "token_type": "bearer",
            "expires_in": 900,
        }

    return app


async def orders_with(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys, endpoint: FastAPI
) -> Any:
    return create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=httpx.ASGITransport(app=products.app),
        service_tokens=orders_service_tokens(endpoint),
        verifier=keys.verifier(),
    )


async def test_a_refused_service_token_is_refreshed_once(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys
) -> None:
    endpoint = flaky_token_endpoint(keys.key, SigningKey.generate(), bad_answers=1)
    async with serve_in_process(await orders_with(database_urls, products, keys, endpoint)) as app:
        placed = await app.execute(PLACE, ONE_ITEM, headers=keys.user(4))
        assert placed.ok()["placeOrder"]["status"] == "PLACED"
    assert endpoint.state.issued == 2


async def test_a_credential_products_keeps_refusing_fails_the_order_cleanly(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys
) -> None:
    endpoint = flaky_token_endpoint(keys.key, SigningKey.generate(), bad_answers=100)
    async with serve_in_process(await orders_with(database_urls, products, keys, endpoint)) as app:
        placed = await app.execute(PLACE, ONE_ITEM, headers=keys.user(4))
        assert placed.error_codes == ["UPSTREAM_ERROR"]
        assert placed.data is None
    assert endpoint.state.issued == 2  # one refresh, no loop


async def test_without_a_client_secret_no_order_is_placed(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> None:
    app = create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=httpx.ASGITransport(app=products.app),
        service_tokens=orders_service_tokens(token_endpoint, secret="wrong"),
        verifier=keys.verifier(),
    )
    async with serve_in_process(app) as orders:
        placed = await orders.execute(PLACE, ONE_ITEM, headers=keys.user(4))
    assert placed.error_codes == ["UPSTREAM_ERROR"]
    assert "credential" in placed.errors[0]["message"]
