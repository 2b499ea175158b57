"""One deterministic generator for the seed data of all three subgraphs.

Each subgraph inserts its own slice, and because the slices come from the same generator the
ids line up: every order's user and products exist in the other databases, and each order's
stock reservation exists in products.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

SEED = 20250101
USER_COUNT = 300
PRODUCT_COUNT = 200
ORDER_COUNT = 3000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# One administrator besides the USER_COUNT customers (scope `admin` in the users service).
ADMIN_USER_ID = USER_COUNT + 1
ADMIN_EMAIL = "admin@fedra.dev"
ADMIN_NAME = "Fedra Admin"

FIRST_NAMES = (
    "Ada", "Alan", "Barbara", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Guido",
    "Hedy", "Ivan", "Joan", "John", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Rob",
    "Shafi", "Sophie", "Tim", "Whitfield", "Yukihiro",
)  # fmt: skip
LAST_NAMES = (
    "Allen", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Goldberg", "Hamilton",
    "Hopper", "Kahn", "Knuth", "Lamport", "Liskov", "Lovelace", "McCarthy", "Perlman",
    "Ritchie", "Shamir", "Sutherland", "Thompson", "Turing", "Wilson", "Wirth",
)  # fmt: skip
ADJECTIVES = (
    "Compact", "Durable", "Ergonomic", "Foldable", "Heavy-duty", "Lightweight", "Modular",
    "Portable", "Quiet", "Rugged", "Sleek", "Smart", "Vintage", "Wireless",
)  # fmt: skip
MATERIALS = (
    "Aluminium", "Bamboo", "Carbon", "Ceramic", "Cotton", "Copper", "Glass", "Leather",
    "Oak", "Steel", "Wool",
)  # fmt: skip
NOUNS = (
    "Backpack", "Bottle", "Chair", "Clock", "Desk Lamp", "Headphones", "Kettle", "Keyboard",
    "Lantern", "Mug", "Notebook", "Speaker", "Tent", "Umbrella", "Wallet",
)  # fmt: skip
STATUS_WEIGHTS = (("PLACED", 30), ("SHIPPED", 30), ("DELIVERED", 30), ("CANCELLED", 10))


@dataclass(frozen=True, slots=True)
class SeedUser:
    id: int
    email: str
    name: str
    created_at: datetime
    order_count: int
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class SeedProduct:
    id: int
    sku: str
    name: str
    description: str
    price_cents: int
    weight_kg: float
    stock: int
    units_sold: int


@dataclass(frozen=True, slots=True)
class SeedOrderItem:
    id: int
    order_id: int
    product_id: int
    product_name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True, slots=True)
class SeedOrder:
    id: int
    user_id: int
    status: str
    created_at: datetime
    reservation_id: str
    total_cents: int
    items: tuple[SeedOrderItem, ...]


@dataclass(frozen=True, slots=True)
class SeedData:
    users: tuple[SeedUser, ...]
    products: tuple[SeedProduct, ...]
    orders: tuple[SeedOrder, ...]


def seed_reservation_id(order_id: int) -> str:
    return f"seed-{order_id:06d}"


@cache
def seed_data() -> SeedData:
    """The same data on every call and every machine."""
    rng = random.Random(SEED)
    user_times = [
        EPOCH + timedelta(minutes=rng.randrange(0, 180 * 24 * 60)) for _ in range(USER_COUNT)
    ]
    user_times.sort()
    products = [_product(rng, product_id) for product_id in range(1, PRODUCT_COUNT + 1)]
    orders = _orders(rng, user_times, products)

    order_counts = [0] * (USER_COUNT + 1)
    units_sold = [0] * (PRODUCT_COUNT + 1)
    for order in orders:
        order_counts[order.user_id] += 1
        if order.status != "CANCELLED":
            for item in order.items:
                units_sold[item.product_id] += item.quantity

    customers = tuple(
        _user(rng, user_id, user_times[user_id - 1], order_counts[user_id])
        for user_id in range(1, USER_COUNT + 1)
    )
    admin = SeedUser(
        id=ADMIN_USER_ID,
        email=ADMIN_EMAIL,
        name=ADMIN_NAME,
        created_at=EPOCH,
        order_count=0,
        is_admin=True,
    )
    users = (*customers, admin)
    products_with_sales = tuple(
        SeedProduct(
            id=product.id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            price_cents=product.price_cents,
            weight_kg=product.weight_kg,
            stock=product.stock,
            units_sold=units_sold[product.id],
        )
        for product in products
    )
    return SeedData(users=users, products=products_with_sales, orders=tuple(orders))


def _user(rng: random.Random, user_id: int, created_at: datetime, order_count: int) -> SeedUser:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    return SeedUser(
        id=user_id,
        email=f"{first.lower()}.{last.lower()}.{user_id}@example.com",
        name=f"{first} {last}",
        created_at=created_at,
        order_count=order_count,
    )


def _product(rng: random.Random, product_id: int) -> SeedProduct:
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}"
    return SeedProduct(
        id=product_id,
        sku=f"FED-{product_id:05d}",
        name=name,
        description=f"A {name.lower()} built to last.",
        price_cents=rng.randrange(299, 49_999),
        weight_kg=round(rng.uniform(0.05, 25.0), 3),
        stock=rng.randrange(0, 500),
        units_sold=0,
    )


def _orders(
    rng: random.Random, user_times: list[datetime], products: list[SeedProduct]
) -> list[SeedOrder]:
    statuses = [status for status, _ in STATUS_WEIGHTS]
    weights = [weight for _, weight in STATUS_WEIGHTS]
    orders: list[SeedOrder] = []
    item_id = 0
    for order_id in range(1, ORDER_COUNT + 1):
        user_id = rng.randrange(1, len(user_times) + 1)
        created_at = user_times[user_id - 1] + timedelta(minutes=rng.randrange(1, 120 * 24 * 60))
        chosen = rng.sample(products, rng.randrange(1, 5))
        items = []
        for product in chosen:
            item_id += 1
            # A fifth of the lines were bought before a price change: the snapshot differs.
            price = product.price_cents
            if rng.random() < 0.2:
                price = max(99, price + rng.randrange(-price // 10, price // 10 + 1))
            items.append(
                SeedOrderItem(
                    id=item_id,
                    order_id=order_id,
                    product_id=product.id,
                    product_name=product.name,
                    quantity=rng.randrange(1, 4),
                    unit_price_cents=price,
                )
            )
        orders.append(
            SeedOrder(
                id=order_id,
                user_id=user_id,
                status=rng.choices(statuses, weights)[0],
                created_at=created_at,
                reservation_id=seed_reservation_id(order_id),
                total_cents=sum(item.quantity * item.unit_price_cents for item in items),
                items=tuple(items),
            )
        )
    return orders
