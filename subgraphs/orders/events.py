"""Order events: what changed, and the order as it is after the change, as JSON messages."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from subgraphs.shared.timestamps import as_utc

from .models import OrderRow


class EventKind(enum.StrEnum):
    PLACED = "order.placed"
    PAID = "order.paid"
    SHIPPED = "order.shipped"
    DELIVERED = "order.delivered"
    CANCELLED = "order.cancelled"


KIND_OF_STATUS = {
    "PLACED": EventKind.PLACED,
    "PAID": EventKind.PAID,
    "SHIPPED": EventKind.SHIPPED,
    "DELIVERED": EventKind.DELIVERED,
    "CANCELLED": EventKind.CANCELLED,
}


class BadEvent(ValueError):
    """A message that is not an order event: retrying cannot help (it is dead-lettered)."""


@dataclass(frozen=True, slots=True)
class OrderEvent:
    event_id: str
    kind: EventKind
    order_id: int
    user_id: int
    status: str
    total_cents: int
    created_at: datetime
    reservation_id: str
    reason: str | None = None

    @classmethod
    def of(cls, event_id: str, order: OrderRow, reason: str | None = None) -> OrderEvent:
        return cls(
            event_id=event_id,
            kind=KIND_OF_STATUS[order.status],
            order_id=order.id,
            user_id=order.user_id,
            status=order.status,
            total_cents=order.total_cents,
            created_at=as_utc(order.created_at),
            reservation_id=order.reservation_id,
            reason=reason,
        )

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "eventId": self.event_id,
                "kind": self.kind.value,
                "orderId": self.order_id,
                "userId": self.user_id,
                "status": self.status,
                "totalCents": self.total_cents,
                "createdAt": self.created_at.isoformat(),
                "reservationId": self.reservation_id,
                "reason": self.reason,
            }
        )

    @classmethod
    def from_json(cls, body: bytes | str) -> OrderEvent:
        try:
            data: Any = orjson.loads(body)
            if not isinstance(data, dict):
                raise BadEvent("an order event is a JSON object")
            reason = data.get("reason")
            return cls(
                event_id=_text(data, "eventId"),
                kind=EventKind(data["kind"]),
                order_id=_integer(data, "orderId"),
                user_id=_integer(data, "userId"),
                status=_text(data, "status"),
                total_cents=_integer(data, "totalCents"),
                created_at=as_utc(datetime.fromisoformat(_text(data, "createdAt"))),
                reservation_id=_text(data, "reservationId"),
                reason=reason if isinstance(reason, str) else None,
            )
        except BadEvent:
            raise
        except (orjson.JSONDecodeError, KeyError, ValueError, TypeError) as error:
            raise BadEvent(f"not an order event: {error}") from error

    def as_row(self) -> OrderRow:
        """The order as the event saw it, detached from any session."""
        return OrderRow(
            id=self.order_id,
            user_id=self.user_id,
            status=self.status,
            created_at=self.created_at,
            reservation_id=self.reservation_id,
            total_cents=self.total_cents,
        )


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise BadEvent(f"{key} must be a non-empty string")
    return value


def _integer(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadEvent(f"{key} must be an integer")
    return value
