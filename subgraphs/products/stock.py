"""Stock reservations: all lines of an order taken, or none, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.errors import INSUFFICIENT_STOCK, bad_user_input, coded_error, not_found
from subgraphs.shared.timestamps import utc_now

from .models import ProductRow, StockReservationLineRow, StockReservationRow
from .validation import check_quantity

MAX_LINES = 100
MAX_LINE_QUANTITY = 1000


@dataclass(frozen=True, slots=True)
class StockRequest:
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReservedStock:
    product_id: int
    product_name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    lines: tuple[ReservedStock, ...]


def merge_requests(requests: Sequence[StockRequest]) -> list[StockRequest]:
    """Checks the lines and merges repeated products, in product id order (lock order)."""
    if not requests:
        raise bad_user_input("An order needs at least one line", field="items")
    if len(requests) > MAX_LINES:
        raise bad_user_input(f"An order has at most {MAX_LINES} lines", field="items")
    totals: dict[int, int] = {}
    for request in requests:
        check_quantity(request.quantity, field="quantity", minimum=1, maximum=MAX_LINE_QUANTITY)
        totals[request.product_id] = totals.get(request.product_id, 0) + request.quantity
    for quantity in totals.values():
        check_quantity(quantity, field="quantity", minimum=1, maximum=MAX_LINE_QUANTITY)
    return [StockRequest(product_id, totals[product_id]) for product_id in sorted(totals)]


async def reserve_stock(db: AsyncSession, requests: Sequence[StockRequest]) -> Reservation:
    """Takes the stock for every line and records the reservation, or changes nothing."""
    merged = merge_requests(requests)
    try:
        known = set(
            (
                await db.scalars(
                    select(ProductRow.id).where(
                        ProductRow.id.in_([request.product_id for request in merged])
                    )
                )
            ).all()
        )
        for request in merged:
            if request.product_id not in known:
                raise bad_user_input(
                    f"Unknown product {request.product_id}",
                    field="productId",
                    productId=str(request.product_id),
                )
        reservation_id = uuid.uuid4().hex
        db.add(StockReservationRow(id=reservation_id, created_at=utc_now(), released_at=None))
        await db.flush()
        lines = [await _take(db, request) for request in merged]
        db.add_all(
            StockReservationLineRow(
                reservation_id=reservation_id,
                product_id=line.product_id,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
            )
            for line in lines
        )
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return Reservation(id=reservation_id, lines=tuple(lines))


async def _take(db: AsyncSession, request: StockRequest) -> ReservedStock:
    taken = (
        await db.execute(
            update(ProductRow)
            .where(ProductRow.id == request.product_id, ProductRow.stock >= request.quantity)
            .values(
                stock=ProductRow.stock - request.quantity,
                units_sold=ProductRow.units_sold + request.quantity,
            )
            .returning(ProductRow.name, ProductRow.price_cents)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if taken is None:
        available = await db.scalar(
            select(ProductRow.stock).where(ProductRow.id == request.product_id)
        )
        raise coded_error(
            f"Not enough stock for product {request.product_id}: "
            f"{request.quantity} requested, {available} available",
            INSUFFICIENT_STOCK,
            productId=str(request.product_id),
            requested=request.quantity,
            available=available,
        )
    name, price_cents = taken
    return ReservedStock(request.product_id, name, request.quantity, price_cents)


async def release_stock(db: AsyncSession, reservation_id: str) -> bool:
    """Puts a reservation's stock back; False if it was already released."""
    try:
        exists = await db.scalar(
            select(StockReservationRow.id).where(StockReservationRow.id == reservation_id)
        )
        if exists is None:
            raise not_found(f"Unknown stock reservation {reservation_id!r}")
        marked = await db.execute(
            update(StockReservationRow)
            .where(
                StockReservationRow.id == reservation_id,
                StockReservationRow.released_at.is_(None),
            )
            .values(released_at=utc_now())
            .returning(StockReservationRow.id)
            .execution_options(synchronize_session=False)
        )
        if marked.one_or_none() is None:
            await db.rollback()
            return False
        lines = (
            await db.execute(
                select(StockReservationLineRow.product_id, StockReservationLineRow.quantity)
                .where(StockReservationLineRow.reservation_id == reservation_id)
                .order_by(StockReservationLineRow.product_id)
            )
        ).all()
        for product_id, quantity in lines:
            await db.execute(
                update(ProductRow)
                .where(ProductRow.id == product_id)
                .values(
                    stock=ProductRow.stock + quantity,
                    units_sold=ProductRow.units_sold - quantity,
                )
                .execution_options(synchronize_session=False)
            )
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return True
