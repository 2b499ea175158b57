"""Seeds the orders database from the shared generator."""

from __future__ import annotations

from subgraphs.shared.db import Database
from subgraphs.shared.seed import seed_data
from subgraphs.shared.seeding import seed_if_empty, table_of

from .models import OrderItemRow, OrderRow


async def seed_orders(database: Database) -> bool:
    data = seed_data()
    orders = [
        {
            "id": order.id,
            "user_id": order.user_id,
            "status": order.status,
            "created_at": order.created_at,
            "reservation_id": order.reservation_id,
            "total_cents": order.total_cents,
        }
        for order in data.orders
    ]
    items = [
        {
            "id": item.id,
            "order_id": item.order_id,
            "product_id": item.product_id,
            "product_name": item.product_name,
            "quantity": item.quantity,
            "unit_price_cents": item.unit_price_cents,
        }
        for order in data.orders
        for item in order.items
    ]
    orders_table = table_of(OrderRow)
    return await seed_if_empty(
        database, orders_table, [(orders_table, orders), (table_of(OrderItemRow), items)]
    )
