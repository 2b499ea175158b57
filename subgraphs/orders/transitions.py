"""The order state machine: which status may follow which, applied with its outbox event.

PLACED ──pay──▶ PAID ──ship──▶ SHIPPED ──▶ DELIVERED
   │              │
   └──cancel──────┴──▶ CANCELLED   (by the owner, or a failed payment; stock released)
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from .events import OrderEvent
from .models import OrderRow
from .models import OrderStatusValue as Status
from .outbox import record_event

NEXT = {
    Status.PLACED: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.SHIPPED, Status.CANCELLED}),
    Status.SHIPPED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.CANCELLED: frozenset(),
}
TERMINAL = frozenset({Status.SHIPPED, Status.DELIVERED, Status.CANCELLED})


def sources_of(target: Status) -> frozenset[Status]:
    return frozenset(source for source, targets in NEXT.items() if target in targets)


async def transition(
    db: AsyncSession,
    order_id: int,
    target: Status,
    *,
    reason: str | None = None,
    sources: Collection[Status] | None = None,
) -> tuple[OrderRow, OrderEvent] | None:
    """Moves the order to `target` from any status allowed to precede it (or from `sources`)
    and adds the event to the outbox; None if the order is not in such a status. The caller
    commits, so the change and its event are stored together or not at all."""
    allowed = sources_of(target) if sources is None else frozenset(sources)
    changed = (
        await db.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id, OrderRow.status.in_([s.value for s in allowed]))
            .values(status=target.value)
            .returning(OrderRow)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if changed is None:
        return None
    changed.status = target.value
    return changed, record_event(db, changed, reason)
