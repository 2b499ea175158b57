"""The orders database: orders, their line items (with price and name snapshots), the outbox
of order events, and the messages the fulfilment handlers have processed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class OrdersBase(DeclarativeBase):
    pass


class OrderStatusValue(enum.StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class OrderRow(OrdersBase):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The products subgraph's stock reservation; releasing it returns the stock.
    reservation_id: Mapped[str] = mapped_column(String(40))
    total_cents: Mapped[int] = mapped_column(BigInteger)  # cents exceed 32 bits


class OrderItemRow(OrdersBase):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)  # cents exceed 32 bits


class OutboxRow(OrdersBase):
    """An order event, written in the transaction of the state change it reports; the relay
    publishes it and sets `published_at`."""

    __tablename__ = "order_outbox"
    __table_args__ = (Index("ix_order_outbox_unpublished", "published_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)  # the event as JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A relay holding the row until then publishes it; after, another relay may take it over.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ProcessedMessageRow(OrdersBase):
    """A message a handler has acted on, stored with the effect: a redelivery finds it here."""

    __tablename__ = "processed_messages"

    message_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


metadata = OrdersBase.metadata
