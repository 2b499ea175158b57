"""The orders subgraph's client for the products subgraph's internal stock mutations.

Every call carries the orders service's own credential (``Authorization: Bearer``, from a
``TokenSource``); a call refused as UNAUTHENTICATED (or HTTP 401) is retried once with a fresh
token, since products refuses before doing anything. Every call is idempotent (reservations
are keyed by the caller's idempotency key), so a call whose answer is lost (a network error or
timeout) is retried up to `PRODUCTS_RETRIES` times (default 2) with a doubling backoff;
each attempt waits at most `PRODUCTS_TIMEOUT_SECONDS` (default 10).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import GraphQLError

from subgraphs.shared.errors import UNAUTHENTICATED, UPSTREAM_ERROR, coded_error
from subgraphs.shared.money import amount_to_cents

from .service_token import ServiceTokenError, TokenSource

DEFAULT_PRODUCTS_URL = "http://localhost:4002/graphql"
TIMEOUT_SECONDS = 10.0
RETRIES = 2
RETRY_BACKOFF_SECONDS = 0.05
TIMEOUT_ENV = "PRODUCTS_TIMEOUT_SECONDS"
RETRIES_ENV = "PRODUCTS_RETRIES"

RESERVE_STOCK = """
mutation ReserveStock($lines: [StockLineInput!]!, $key: ID!) {
  reserveStock(lines: $lines, idempotencyKey: $key) {
    id
    lines { productId productName quantity unitPrice { amount currency } }
  }
}
"""

RELEASE_STOCK = """
mutation ReleaseStock($reservationId: ID!) {
  releaseStock(reservationId: $reservationId)
}
"""

CONFIRM_STOCK = """
mutation ConfirmStock($reservationId: ID!) {
  confirmStock(reservationId: $reservationId)
}
"""


@dataclass(frozen=True, slots=True)
class StockLine:
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReservedLine:
    product_id: int
    product_name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True, slots=True)
class StockReservation:
    id: str
    lines: tuple[ReservedLine, ...]


def products_url_from_env() -> str:
    return os.environ.get("PRODUCTS_URL", DEFAULT_PRODUCTS_URL)


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How long one call waits and how often a call whose answer was lost is repeated."""

    timeout_seconds: float = TIMEOUT_SECONDS
    retries: int = RETRIES
    backoff_seconds: float = RETRY_BACKOFF_SECONDS

    @classmethod
    def from_env(cls) -> CallPolicy:
        timeout = float(os.environ.get(TIMEOUT_ENV) or TIMEOUT_SECONDS)
        retries = int(os.environ.get(RETRIES_ENV) or RETRIES)
        if timeout <= 0 or retries < 0:
            raise ValueError(f"{TIMEOUT_ENV} must be positive and {RETRIES_ENV} not negative")
        return cls(timeout_seconds=timeout, retries=retries)


class ProductsClient:
    """Calls products over GraphQL; its errors come back as GraphQLErrors with their code.

    Uses `client` when given (its owner closes it); otherwise `start()` opens a client on
    `transport` (the default network transport if None) and `aclose()` closes it. `tokens`
    supplies the service credential sent with every call.
    """

    def __init__(
        self,
        url: str,
        *,
        tokens: TokenSource,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: CallPolicy | None = None,
    ) -> None:
        self._url = url
        self._policy = policy or CallPolicy.from_env()
        self._tokens = tokens
        self._given_client = client
        self._transport = transport
        self._own_client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        await self._tokens.start()
        if self._given_client is None and self._own_client is None:
            self._own_client = httpx.AsyncClient(transport=self._transport)

    async def aclose(self) -> None:
        if self._own_client is not None:
            await self._own_client.aclose()
            self._own_client = None
        await self._tokens.aclose()

    @property
    def _client(self) -> httpx.AsyncClient:
        client = self._given_client or self._own_client
        if client is None:
            raise RuntimeError("ProductsClient.start() was not called")
        return client

    async def reserve(self, lines: Sequence[StockLine], key: str) -> StockReservation:
        """Takes the stock under idempotency key `key`; a repeat returns the same reservation."""
        variables = {
            "lines": [
                {"productId": str(line.product_id), "quantity": line.quantity} for line in lines
            ],
            "key": key,
        }
        data = await self._execute(RESERVE_STOCK, variables)
        reservation = data["reserveStock"]
        return StockReservation(
            id=str(reservation["id"]),
            lines=tuple(_reserved_line(line) for line in reservation["lines"]),
        )

    async def release(self, reservation_id: str) -> bool:
        data = await self._execute(RELEASE_STOCK, {"reservationId": reservation_id})
        return bool(data["releaseStock"])

    async def confirm(self, reservation_id: str) -> bool:
        """Keeps the reservation past its expiry; False if it was released already."""
        data = await self._execute(CONFIRM_STOCK, {"reservationId": reservation_id})
        return bool(data["confirmStock"])

    async def _execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        token = await self._service_token()
        response = await self._post(query, variables, token)
        if _refused_credentials(response):
            token = await self._service_token(stale=token)
            response = await self._post(query, variables, token)
            if _refused_credentials(response):
                raise coded_error(
                    "The products service refused the orders service's credential",
                    UPSTREAM_ERROR,
                )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise coded_error(
                f"The products service answered HTTP {response.status_code} without a "
                "GraphQL response",
                UPSTREAM_ERROR,
            )
        errors = body.get("errors")
        if errors:
            raise _upstream_error(errors[0])
        data = body.get("data")
        if not isinstance(data, dict):
            raise coded_error("The products service returned no data", UPSTREAM_ERROR)
        return data

    async def _service_token(self, *, stale: str | None = None) -> str:
        try:
            if stale is not None:
                return await self._tokens.refresh(stale)
            return await self._tokens.token()
        except ServiceTokenError as error:
            raise coded_error(
                f"The orders service has no credential for products: {error}", UPSTREAM_ERROR
            ) from error

    async def _post(self, query: str, variables: dict[str, Any], token: str) -> httpx.Response:
        policy = self._policy
        for attempt in range(policy.retries + 1):
            try:
                return await self._client.post(
                    self._url,
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                    timeout=policy.timeout_seconds,
                )
            except httpx.HTTPError as error:
                if attempt == policy.retries:
                    raise coded_error(
                        f"The products service is unreachable: {error}", UPSTREAM_ERROR
                    ) from error
            await asyncio.sleep(policy.backoff_seconds * 2**attempt)
        raise AssertionError("unreachable")


def _refused_credentials(response: httpx.Response) -> bool:
    """HTTP 401, or a GraphQL answer whose first error is UNAUTHENTICATED."""
    if response.status_code == 401:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return False
    extensions = errors[0].get("extensions")
    return isinstance(extensions, dict) and extensions.get("code") == UNAUTHENTICATED


def _upstream_error(error: Any) -> GraphQLError:
    """Passes a products error on with its message and extensions (its code included)."""
    if not isinstance(error, dict):
        return coded_error("The products service failed", UPSTREAM_ERROR)
    extensions = error.get("extensions")
    details = dict(extensions) if isinstance(extensions, dict) else {}
    details.setdefault("code", UPSTREAM_ERROR)
    return GraphQLError(
        str(error.get("message", "The products service failed")), extensions=details
    )


def _reserved_line(line: dict[str, Any]) -> ReservedLine:
    price = line["unitPrice"]
    cents = amount_to_cents(str(price["amount"]))
    if cents is None:
        raise coded_error(f"The products service sent a bad price {price!r}", UPSTREAM_ERROR)
    return ReservedLine(
        product_id=int(line["productId"]),
        product_name=str(line["productName"]),
        quantity=int(line["quantity"]),
        unit_price_cents=cents,
    )
