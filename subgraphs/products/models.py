"""The products database: the catalogue, stock levels and stock reservations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ProductsBase(DeclarativeBase):
    pass


class ProductRow(ProductsBase):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)  # cents exceed 32 bits
    weight_kg: Mapped[float] = mapped_column(Float)
    stock: Mapped[int] = mapped_column(Integer)
    units_sold: Mapped[int] = mapped_column(Integer, default=0, index=True)


class StockReservationRow(ProductsBase):
    """Stock taken for one order; releasing it (once) puts the stock back.

    The id is the caller's idempotency key. A reservation that is not confirmed by
    `expires_at` is released by the reaper; one without `expires_at` (seed data) never expires.
    A released row without lines closes a key that was released before anything was reserved.
    """

    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_expiry", "released_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StockReservationLineRow(ProductsBase):
    __tablename__ = "stock_reservation_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reservation_id: Mapped[str] = mapped_column(
        ForeignKey("stock_reservations.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)  # cents exceed 32 bits


metadata = ProductsBase.metadata
