"""What the seed data says, computed from the shared generator: the oracle of the e2e tests.

Everything here is derived from ``seed_data()`` and the documented rules (newest orders first,
shipping 4.99 + 1.25 per started kg, free from 100.00 up to 20 kg), never from a subgraph's code.
"""

from __future__ import annotations

import math
from typing import Any

from subgraphs.shared.seed import SeedOrder, SeedProduct, SeedUser, seed_data


def users() -> tuple[SeedUser, ...]:
    return seed_data().users


def products() -> tuple[SeedProduct, ...]:
    return seed_data().products


def orders() -> tuple[SeedOrder, ...]:
    return seed_data().orders


def order(order_id: int) -> SeedOrder:
    return seed_data().orders[order_id - 1]


def user(user_id: int) -> SeedUser:
    return seed_data().users[user_id - 1]


def product(product_id: int) -> SeedProduct:
    return seed_data().products[product_id - 1]


def product_by_sku(sku: str) -> SeedProduct:
    return next(p for p in seed_data().products if p.sku == sku)


def orders_of(user_id: int) -> list[SeedOrder]:
    """A user's orders, newest first (ties: higher id first)."""
    orders = [order for order in seed_data().orders if order.user_id == user_id]
    return sorted(orders, key=lambda order: (order.created_at, order.id), reverse=True)


def money(cents: int, currency: str = "USD") -> dict[str, str]:
    return {"amount": f"{cents // 100}.{cents % 100:02d}", "currency": currency}


def shipping_estimate_cents(weight_kg: float, price_cents: int) -> int:
    if price_cents >= 100_00 and weight_kg <= 20.0:
        return 0
    return 499 + 125 * max(1, math.ceil(weight_kg))


def shipping_estimate(product_id: int) -> dict[str, str]:
    seeded = product(product_id)
    return money(shipping_estimate_cents(seeded.weight_kg, seeded.price_cents))


def order_with_items(order: SeedOrder) -> dict[str, Any]:
    """An order as `{ id status total items { quantity unitPrice product { id name
    shippingEstimate } } }` selects it."""
    return {
        "id": str(order.id),
        "status": order.status,
        "total": money(order.total_cents),
        "items": [
            {
                "quantity": item.quantity,
                "unitPrice": money(item.unit_price_cents),
                "product": {
                    "id": str(item.product_id),
                    "name": item.product_name,
                    "shippingEstimate": shipping_estimate(item.product_id),
                },
            }
            for item in order.items
        ],
    }
