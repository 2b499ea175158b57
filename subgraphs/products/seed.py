"""Seeds the products database from the shared generator.

Each seeded order has a stock reservation here (released for cancelled orders), so the
orders subgraph can cancel seeded orders like new ones.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from subgraphs.shared.db import Database
from subgraphs.shared.seed import seed_data
from subgraphs.shared.seeding import seed_if_empty, table_of

from .models import ProductRow, StockReservationLineRow, StockReservationRow


async def seed_products(database: Database) -> bool:
    data = seed_data()
    products = [
        {
            "id": product.id,
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "price_cents": product.price_cents,
            "weight_kg": product.weight_kg,
            "stock": product.stock,
            "units_sold": product.units_sold,
        }
        for product in data.products
    ]
    reservations = [
        {
            "id": order.reservation_id,
            "created_at": order.created_at,
            "released_at": order.created_at + timedelta(days=1)
            if order.status == "CANCELLED"
            else None,
        }
        for order in data.orders
    ]
    lines: list[dict[str, Any]] = [
        {
            "id": item.id,
            "reservation_id": order.reservation_id,
            "product_id": item.product_id,
            "quantity": item.quantity,
            "unit_price_cents": item.unit_price_cents,
        }
        for order in data.orders
        for item in order.items
    ]
    product_table = table_of(ProductRow)
    return await seed_if_empty(
        database,
        product_table,
        [
            (product_table, products),
            (table_of(StockReservationRow), reservations),
            (table_of(StockReservationLineRow), lines),
        ],
    )
