"""Placing and cancelling orders across two databases without losing stock (a saga).

Placing: a fresh idempotency key names the reservation before anything is called. Products
reserves the stock for all lines under that key in one of its transactions (a retried call
returns the same reservation) and returns the price snapshots; the order and its
`order.placed` event are then stored in one orders transaction. On any exit before that
commit (an error, a timeout, a cancelled request) the key is released, which also closes it
against a reservation still in flight; if the release cannot get through, the reservation
expires and the products reaper returns the stock. After the commit the reservation is
confirmed (again by the payment handler, so a lost confirmation is repeated), so either both
the order and its stock exist, or neither.

Cancelling: the status change and its `order.cancelled` event commit first; the stock is
released after that commit, here and again by the event's handler (releasing is idempotent),
so a failed commit leaves the order and its stock untouched.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from graphql import GraphQLError
from sqlalchemy import select

from subgraphs.shared.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    INSUFFICIENT_STOCK,
    NOT_FOUND,
    UPSTREAM_ERROR,
    bad_user_input,
    coded_error,
    not_found,
    parse_int_id,
)
from subgraphs.shared.identity import Caller
from subgraphs.shared.request_session import RequestSession
from subgraphs.shared.timestamps import utc_now

from .access import may_access
from .models import OrderItemRow, OrderRow, OrderStatusValue
from .outbox import record_event
from .products_client import ProductsClient, StockLine, StockReservation
from .transitions import transition

logger = logging.getLogger(__name__)

MAX_LINES = 100
MAX_LINE_QUANTITY = 1000
# Products refused the reservation outright: nothing was taken, nothing to release.
REFUSALS = frozenset({BAD_USER_INPUT, INSUFFICIENT_STOCK, NOT_FOUND})
CANCELLABLE = (OrderStatusValue.PLACED, OrderStatusValue.PAID)


@dataclass(frozen=True, slots=True)
class RequestedLine:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class StoredOrder:
    order: OrderRow
    items: list[OrderItemRow]


def check_lines(lines: Sequence[RequestedLine]) -> list[StockLine]:
    """Rejects bad lines before anything is reserved."""
    if not lines:
        raise bad_user_input("An order needs at least one item", field="items")
    if len(lines) > MAX_LINES:
        raise bad_user_input(f"An order has at most {MAX_LINES} items", field="items")
    checked = []
    for line in lines:
        product_id = parse_int_id(line.product_id, field="productId")
        if not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            raise bad_user_input(
                f"quantity must be between 1 and {MAX_LINE_QUANTITY}, got {line.quantity}",
                field="quantity",
                productId=line.product_id,
            )
        checked.append(StockLine(product_id=product_id, quantity=line.quantity))
    return checked


def new_reservation_key() -> str:
    return uuid.uuid4().hex


async def place_order(
    session: RequestSession,
    products: ProductsClient,
    user_id: int,
    lines: Sequence[RequestedLine],
) -> StoredOrder:
    stock_lines = check_lines(lines)
    key = new_reservation_key()
    try:
        reservation = await products.reserve(stock_lines, key)
        stored = await _store_order(session, user_id, reservation)
    except BaseException as error:
        if not _refused(error):
            await release_in_background(products, key)
        if isinstance(error, Exception) and not _refused(error):
            raise coded_error(
                "The order could not be stored; no stock was taken", UPSTREAM_ERROR
            ) from error
        raise
    await confirm_quietly(products, key)
    return stored


def _refused(error: BaseException) -> bool:
    return isinstance(error, GraphQLError) and (error.extensions or {}).get("code") in REFUSALS


async def _store_order(
    session: RequestSession, user_id: int, reservation: StockReservation
) -> StoredOrder:
    """The order, its items and its `order.placed` event, in one transaction."""
    async with session.use() as db:
        try:
            order = OrderRow(
                user_id=user_id,
                status=OrderStatusValue.PLACED.value,
                created_at=utc_now(),
                reservation_id=reservation.id,
                total_cents=sum(
                    line.quantity * line.unit_price_cents for line in reservation.lines
                ),
            )
            db.add(order)
            await db.flush()
            items = [
                OrderItemRow(
                    order_id=order.id,
                    product_id=line.product_id,
                    product_name=line.product_name,
                    quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents,
                )
                for line in reservation.lines
            ]
            db.add_all(items)
            record_event(db, order)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    return StoredOrder(order=order, items=items)


async def release_in_background(products: ProductsClient, key: str) -> None:
    """Releases `key`, finishing even if the caller is cancelled meanwhile; a failure is
    logged (the reservation then expires and the reaper returns its stock)."""
    task = asyncio.ensure_future(_release_quietly(products, key))
    _background.add(task)
    task.add_done_callback(_background.discard)
    await asyncio.shield(task)


_background: set[asyncio.Future[None]] = set()


async def _release_quietly(products: ProductsClient, key: str) -> None:
    try:
        await products.release(key)
    except GraphQLError as error:
        if (error.extensions or {}).get("code") != NOT_FOUND:  # nothing was reserved
            logger.warning("Could not release stock reservation %s: %s", key, error.message)
    except Exception:
        logger.exception("Could not release stock reservation %s", key)


async def confirm_quietly(products: ProductsClient, key: str) -> None:
    """Confirms the reservation of a stored order; the payment handler confirms again, so a
    failure here is only logged."""
    try:
        await products.confirm(key)
    except Exception:
        logger.warning("Could not confirm stock reservation %s now", key, exc_info=True)


async def cancel_order(
    session: RequestSession, products: ProductsClient, caller: Caller, order_id: int
) -> OrderRow:
    async with session.use() as db:
        try:
            order = await db.scalar(select(OrderRow).where(OrderRow.id == order_id))
            if order is None:
                raise not_found(f"Unknown order {order_id}", orderId=str(order_id))
            if not may_access(caller, order.user_id):
                raise coded_error(f"Order {order_id} belongs to another user", FORBIDDEN)
            if order.status not in CANCELLABLE:
                raise bad_user_input(
                    f"Order {order_id} is {order.status} and can no longer be cancelled",
                    field="id",
                    status=order.status,
                )
            changed = await transition(
                db, order_id, OrderStatusValue.CANCELLED, reason="cancelled by its owner"
            )
            if changed is None:
                raise bad_user_input(f"Order {order_id} changed meanwhile; try again", field="id")
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    # Committed: the stock goes back now, or else when the order.cancelled event is handled.
    await release_in_background(products, order.reservation_id)
    order.status = OrderStatusValue.CANCELLED.value
    return order
