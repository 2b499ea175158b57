"""Stock reservations: all lines of an order taken, or none, in one transaction.

A reservation is keyed by the caller's idempotency key: reserving again under a key returns
the reservation already made (or, if the key was released, refuses), so a retried call never
takes stock twice. A reservation expires unless it is confirmed in time; `reap_expired` puts
the stock of expired ones back. Releasing is idempotent, and releasing a key that reserved
nothing closes it, so a reservation arriving after its release cannot take stock.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.errors import (
    INSUFFICIENT_STOCK,
    bad_user_input,
    coded_error,
    not_found,
)
from subgraphs.shared.timestamps import utc_now

from .models import ProductRow, StockReservationLineRow, StockReservationRow
from .validation import check_quantity

MAX_LINES = 100
MAX_LINE_QUANTITY = 1000
MAX_KEY_LENGTH = 40
TTL_ENV = "STOCK_RESERVATION_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 600.0
RESERVATION_RELEASED = "RESERVATION_RELEASED"


def reservation_ttl_from_env() -> timedelta:
    """How long an unconfirmed reservation holds its stock (`STOCK_RESERVATION_TTL_SECONDS`)."""
    raw = os.environ.get(TTL_ENV)
    seconds = float(raw) if raw else DEFAULT_TTL_SECONDS
    if seconds <= 0:
        raise ValueError(f"{TTL_ENV} must be positive, got {raw!r}")
    return timedelta(seconds=seconds)


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


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise bad_user_input(
            f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters", field="idempotencyKey"
        )
    return key


async def reserve_stock(
    db: AsyncSession,
    requests: Sequence[StockRequest],
    *,
    key: str | None = None,
    ttl: timedelta | None = None,
) -> Reservation:
    """Takes the stock for every line and records the reservation, or changes nothing.

    With `key`, a reservation already made under it is returned as it is, and a released
    key is refused (RESERVATION_RELEASED). With `ttl`, the reservation expires unless
    confirmed within it.
    """
    merged = merge_requests(requests)
    if key is not None:
        check_key(key)
        existing = await existing_reservation(db, key)
        if existing is not None:
            return existing
    try:
        return await _reserve(db, merged, key or uuid.uuid4().hex, ttl)
    except IntegrityError:
        # The same key, reserved concurrently: that reservation is the answer.
        if key is None:
            raise
        existing = await existing_reservation(db, key)
        if existing is None:
            raise
        return existing


async def existing_reservation(db: AsyncSession, key: str) -> Reservation | None:
    """The reservation made under `key`; None if there is none; refused if it was released."""
    row = await db.get(StockReservationRow, key)
    if row is None:
        return None
    released = row.released_at is not None
    lines = (
        await db.execute(
            select(
                StockReservationLineRow.product_id,
                ProductRow.name,
                StockReservationLineRow.quantity,
                StockReservationLineRow.unit_price_cents,
            )
            .join(ProductRow, ProductRow.id == StockReservationLineRow.product_id)
            .where(StockReservationLineRow.reservation_id == key)
            .order_by(StockReservationLineRow.product_id)
        )
    ).all()
    await db.rollback()
    if released:
        raise coded_error(
            f"Stock reservation {key!r} was released", RESERVATION_RELEASED, reservationId=key
        )
    return Reservation(
        id=key, lines=tuple(ReservedStock(pid, name, qty, price) for pid, name, qty, price in lines)
    )


async def _reserve(
    db: AsyncSession, merged: Sequence[StockRequest], reservation_id: str, ttl: timedelta | None
) -> Reservation:
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
        now = utc_now()
        db.add(
            StockReservationRow(
                id=reservation_id,
                created_at=now,
                released_at=None,
                expires_at=now + ttl if ttl is not None else None,
            )
        )
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
    """Puts a reservation's stock back; False if it was already released.

    An unknown id is NOT_FOUND, and the key is closed first (a released row without lines),
    so a reservation under it that arrives later is refused instead of taking stock."""
    check_key(reservation_id)
    exists = await db.scalar(
        select(StockReservationRow.id).where(StockReservationRow.id == reservation_id)
    )
    await db.rollback()
    if exists is None and await _close_key(db, reservation_id):
        raise not_found(f"Unknown stock reservation {reservation_id!r}")
    return await _release(db, reservation_id, only_expired=False)


async def _close_key(db: AsyncSession, key: str) -> bool:
    """Records `key` as released with nothing reserved; False if it exists meanwhile."""
    now = utc_now()
    try:
        db.add(StockReservationRow(id=key, created_at=now, released_at=now))
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return False
    except BaseException:
        await db.rollback()
        raise
    return True


async def confirm_stock(db: AsyncSession, reservation_id: str) -> bool:
    """Keeps a reservation past its expiry; False if it was released (expired) already."""
    check_key(reservation_id)
    try:
        row = await db.get(StockReservationRow, reservation_id)
        if row is None:
            raise not_found(f"Unknown stock reservation {reservation_id!r}")
        confirmed = await db.execute(
            update(StockReservationRow)
            .where(
                StockReservationRow.id == reservation_id,
                StockReservationRow.released_at.is_(None),
            )
            .values(confirmed_at=utc_now(), expires_at=None)
            .returning(StockReservationRow.id)
            .execution_options(synchronize_session=False)
        )
        done = confirmed.one_or_none() is not None
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return done


async def reap_expired(db: AsyncSession, *, limit: int = 100) -> int:
    """Releases up to `limit` expired, unconfirmed reservations; how many it released."""
    expired = (
        await db.scalars(
            select(StockReservationRow.id)
            .where(
                StockReservationRow.released_at.is_(None),
                StockReservationRow.expires_at.is_not(None),
                StockReservationRow.expires_at < utc_now(),
            )
            .order_by(StockReservationRow.expires_at)
            .limit(limit)
        )
    ).all()
    await db.rollback()
    released = 0
    for reservation_id in expired:
        if await _release(db, reservation_id, only_expired=True):
            released += 1
    return released


async def _release(db: AsyncSession, reservation_id: str, *, only_expired: bool) -> bool:
    conditions = [
        StockReservationRow.id == reservation_id,
        StockReservationRow.released_at.is_(None),
    ]
    if only_expired:
        conditions += [
            StockReservationRow.expires_at.is_not(None),
            StockReservationRow.expires_at < utc_now(),
        ]
    try:
        marked = await db.execute(
            update(StockReservationRow)
            .where(*conditions)
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
