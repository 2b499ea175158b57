"""Placing and cancelling orders across two databases without losing stock.

Placing: products reserves the stock for all lines in one of its transactions and returns the
price snapshots; the order is then stored in one orders transaction. If that fails, the
reservation is released, so either both the order and its stock exist, or neither.

Cancelling: the status change and the stock release commit together from the orders side:
the order is only marked cancelled if products confirms the stock went back. Releasing is
idempotent on the products side, so a retried cancellation never returns stock twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from subgraphs.shared.errors import (
    FORBIDDEN,
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
from .products_client import ProductsClient, StockLine

logger = logging.getLogger(__name__)

MAX_LINES = 100
MAX_LINE_QUANTITY = 1000


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


async def place_order(
    session: RequestSession,
    products: ProductsClient,
    user_id: int,
    lines: Sequence[RequestedLine],
) -> StoredOrder:
    stock_lines = check_lines(lines)
    reservation = await products.reserve(stock_lines)
    try:
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
                await db.commit()
            except BaseException:
                await db.rollback()
                raise
    except Exception as error:
        await _release_after_failure(products, reservation.id)
        raise coded_error(
            "The order could not be stored; no stock was taken", UPSTREAM_ERROR
        ) from error
    return StoredOrder(order=order, items=items)


async def _release_after_failure(products: ProductsClient, reservation_id: str) -> None:
    try:
        await products.release(reservation_id)
    except Exception:
        logger.exception("Could not release stock reservation %s", reservation_id)
        raise


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
            if order.status != OrderStatusValue.PLACED.value:
                raise bad_user_input(
                    f"Order {order_id} is {order.status} and can no longer be cancelled",
                    field="id",
                    status=order.status,
                )
            changed = await db.execute(
                update(OrderRow)
                .where(OrderRow.id == order_id, OrderRow.status == OrderStatusValue.PLACED.value)
                .values(status=OrderStatusValue.CANCELLED.value)
                .returning(OrderRow.id)
                .execution_options(synchronize_session=False)
            )
            if changed.one_or_none() is None:
                raise bad_user_input(f"Order {order_id} changed meanwhile; try again", field="id")
            await products.release(order.reservation_id)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    order.status = OrderStatusValue.CANCELLED.value
    return order
