"""The transactional outbox: every order state change adds its event in the same transaction,
and a relay hands unpublished events on (to the broker, or to the in-process handlers)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.timestamps import utc_now

from .events import BadEvent, OrderEvent
from .models import OrderRow, OutboxRow


def record_event(db: AsyncSession, order: OrderRow, reason: str | None = None) -> OrderEvent:
    """Adds the event of `order`'s current status to the outbox; the caller commits."""
    event = OrderEvent.of(uuid.uuid4().hex, order, reason)
    db.add(
        OutboxRow(
            event_id=event.event_id,
            kind=event.kind.value,
            order_id=order.id,
            payload=event.to_json().decode(),
            created_at=utc_now(),
            published_at=None,
        )
    )
    return event


async def lease_unpublished(
    db: AsyncSession, limit: int, lease: timedelta
) -> list[tuple[int, OrderEvent | bytes]]:
    """Takes up to `limit` of the oldest unpublished events for `lease` and commits: other
    relays leave them alone until the lease ends (if this relay dies, another takes over).
    Each is the parsed event, or its raw payload if it does not parse."""
    now = utc_now()
    free = or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
    try:
        candidates = (
            await db.scalars(
                select(OutboxRow.id)
                .where(OutboxRow.published_at.is_(None), free)
                .order_by(OutboxRow.id)
                .limit(limit)
            )
        ).all()
        if not candidates:
            await db.rollback()
            return []
        leased = (
            await db.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(candidates), OutboxRow.published_at.is_(None), free)
                .values(lease_until=now + lease)
                .returning(OutboxRow.id, OutboxRow.payload)
                .execution_options(synchronize_session=False)
            )
        ).all()
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    taken: list[tuple[int, OrderEvent | bytes]] = []
    for row_id, payload in sorted(leased):
        try:
            taken.append((row_id, OrderEvent.from_json(payload)))
        except BadEvent:
            taken.append((row_id, payload.encode()))
    return taken


async def mark_published(db: AsyncSession, ids: Sequence[int]) -> None:
    if not ids:
        return
    try:
        await db.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(published_at=utc_now(), lease_until=None)
            .execution_options(synchronize_session=False)
        )
        await db.commit()
    except BaseException:
        await db.rollback()
        raise


async def unpublished_count(db: AsyncSession) -> int:
    count = await db.scalar(
        select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
    )
    return int(count or 0)
