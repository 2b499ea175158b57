"""The orders subgraph schema: Order (@key id), User.orders, Product.shippingEstimate, and
the subscriptions orderUpdated and myOrderUpdates.

Orders are private: only their owner or an admin reads, cancels or follows one (`access`); an
order is placed for the user whose token calls, never for a user named by the client.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import UNSET
from strawberry.federation.schema_directives import Authenticated, ListSize

from subgraphs.shared.cache_hints import PRIVATE_PER_CALLER, cache_hints
from subgraphs.shared.errors import (
    bad_user_input,
    mask_unexpected_errors,
    not_found,
    parse_int_id,
    parse_int_id_or_none,
)
from subgraphs.shared.money import Money, amount_to_cents
from subgraphs.shared.pagination import check_page_size
from subgraphs.shared.timestamps import as_utc

from .access import ORDERS_WRITE_SCOPE, require_order_writer, require_owner_or_admin, signed_in
from .loaders import OrdersContext
from .models import OrderItemRow, OrderRow
from .ordering import RequestedLine, cancel_order, place_order
from .shipping import shipping_estimate_cents

T = TypeVar("T")

DEFAULT_USER_ORDERS = 10
MAX_USER_ORDERS = 100


@strawberry.enum
class OrderStatus(enum.Enum):
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


async def resolve_user_orders(
    root: User, info: strawberry.Info[OrdersContext, None], first: int = DEFAULT_USER_ORDERS
) -> list[Order] | None:
    user_id = parse_int_id_or_none(root.id)
    require_owner_or_admin(info.context, user_id, f"User {root.id}'s order history")
    check_page_size(first, maximum=MAX_USER_ORDERS)
    if user_id is None or first == 0:
        return []
    rows = await info.context.orders_by_user(first).load(user_id)
    return [Order.from_row(row) for row in rows]


async def resolve_order_count(root: User, info: strawberry.Info[OrdersContext, None]) -> int:
    user_id = parse_int_id_or_none(root.id)
    if user_id is None:
        return 0
    return await info.context.order_count_by_user.load(user_id)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    orders: list[Order] | None = strawberry.federation.field(
        resolver=resolve_user_orders,
        authenticated=True,
        description="The user's newest orders first; for the user and admins only.",
        directives=[ListSize(assumed_size=UNSET, slicing_arguments=["first"], sized_fields=UNSET)],
    )
    order_count: int = strawberry.federation.field(
        resolver=resolve_order_count,
        override="users",
        description="How many orders the user has placed, cancelled included.",
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


def _external(value: T | None, field: str) -> T:
    if value is None:
        raise GraphQLError(
            f"Product.{field} is owned by the products subgraph and was not provided",
            extensions={"code": "EXTERNAL_FIELD_MISSING", "field": field},
        )
    return value


def resolve_product_name(root: Product) -> str:
    return _external(root.known_name, "name")


def resolve_product_weight(root: Product) -> float:
    return _external(root.known_weight, "weight")


def resolve_product_price(root: Product) -> Money:
    return _external(root.known_price, "price")


def resolve_shipping_estimate(root: Product) -> Money:
    weight = _external(root.known_weight, "weight")
    price = _external(root.known_price, "price")
    price_cents = amount_to_cents(price.amount)
    if price_cents is None:
        raise bad_user_input(f"Invalid price amount {price.amount!r}", field="price")
    return Money.from_cents(shipping_estimate_cents(weight, price_cents), price.currency)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    name: str = strawberry.federation.field(resolver=resolve_product_name, external=True)
    weight: float = strawberry.federation.field(resolver=resolve_product_weight, external=True)
    price: Money = strawberry.federation.field(resolver=resolve_product_price, external=True)
    shipping_estimate: Money = strawberry.federation.field(
        resolver=resolve_shipping_estimate,
        requires=["weight price { amount currency }"],
        description="Estimated shipping for one unit, from the product's weight and price.",
    )
    known_name: strawberry.Private[str | None] = None
    known_weight: strawberry.Private[float | None] = None
    known_price: strawberry.Private[Money | None] = None

    @classmethod
    def resolve_reference(
        cls,
        id: strawberry.ID,
        name: str | None = None,
        weight: float | None = None,
        price: dict[str, Any] | None = None,
    ) -> Product:
        return cls(
            id=id,
            known_name=name,
            known_weight=float(weight) if weight is not None else None,
            known_price=_money_from_representation(price),
        )


def _money_from_representation(price: dict[str, Any] | None) -> Money | None:
    if price is None:
        return None
    amount, currency = price.get("amount"), price.get("currency")
    if not isinstance(amount, str) or not isinstance(currency, str):
        raise bad_user_input("A Product representation's price needs amount and currency")
    return Money(amount=amount, currency=currency)


def resolve_item_product(root: OrderItem) -> Product:
    return Product(id=strawberry.ID(str(root.product_id)), known_name=root.product_name)


def resolve_line_total(root: OrderItem) -> Money:
    cents = amount_to_cents(root.unit_price.amount) or 0
    return Money.from_cents(cents * root.quantity, root.unit_price.currency)


@strawberry.type(description="One line of an order, priced when the order was placed.")
class OrderItem:
    product: Product = strawberry.federation.field(
        resolver=resolve_item_product,
        provides=["name"],
        description="The product; orders serves its name itself (@provides).",
    )
    quantity: int
    unit_price: Money = strawberry.field(description="The product's price when ordered.")
    line_total: Money = strawberry.field(
        resolver=resolve_line_total, description="unitPrice times quantity."
    )
    product_id: strawberry.Private[int]
    product_name: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: OrderItemRow) -> OrderItem:
        return cls(
            quantity=row.quantity,
            unit_price=Money.from_cents(row.unit_price_cents),
            product_id=row.product_id,
            product_name=row.product_name,
        )


def resolve_order_user(root: Order) -> User:
    return User(id=strawberry.ID(str(root.user_id)))


async def resolve_order_items(
    root: Order, info: strawberry.Info[OrdersContext, None]
) -> list[OrderItem]:
    rows = await info.context.items_by_order.load(int(root.id))
    return [OrderItem.from_row(row) for row in rows]


@strawberry.federation.type(keys=["id"], description="An order placed by a user.")
class Order:
    id: strawberry.ID
    user: User = strawberry.field(resolver=resolve_order_user)
    items: list[OrderItem] = strawberry.field(resolver=resolve_order_items)
    total: Money = strawberry.field(description="Sum of the line totals.")
    status: OrderStatus
    created_at: datetime
    user_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: OrderRow) -> Order:
        return cls(
            id=strawberry.ID(str(row.id)),
            total=Money.from_cents(row.total_cents),
            status=OrderStatus(row.status),
            created_at=as_utc(row.created_at),
            user_id=row.user_id,
        )

    @classmethod
    async def resolve_reference(
        cls, info: strawberry.Info[OrdersContext, None], id: strawberry.ID
    ) -> Order | None:
        return await load_order(info.context, parse_int_id_or_none(id))


async def load_order(context: OrdersContext, order_id: int | None) -> Order | None:
    """The order if the caller owns it or is an admin; None if there is no such order."""
    signed_in(context)
    if order_id is None:
        return None
    row = await context.order_by_id.load(order_id)
    if row is None:
        return None
    require_owner_or_admin(context, row.user_id, f"Order {order_id}")
    return Order.from_row(row)


@strawberry.input
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.input(description="A new order for the signed-in user.")
class PlaceOrderInput:
    items: list[OrderLineInput]


async def resolve_order(
    info: strawberry.Info[OrdersContext, None], id: strawberry.ID
) -> Order | None:
    signed_in(info.context)  # before the id is parsed: anonymous callers learn nothing
    return await load_order(info.context, parse_int_id(id, field="id"))


async def place(info: strawberry.Info[OrdersContext, None], input: PlaceOrderInput) -> Order:
    context = info.context
    user_id = require_order_writer(context)
    stored = await place_order(
        context.session,
        context.products,
        user_id,
        [RequestedLine(str(item.product_id), item.quantity) for item in input.items],
    )
    context.items_by_order.prime(stored.order.id, stored.items)
    return Order.from_row(stored.order)


async def cancel(info: strawberry.Info[OrdersContext, None], id: strawberry.ID) -> Order:
    context = info.context
    caller = signed_in(context)
    order = await cancel_order(
        context.session, context.products, caller, parse_int_id(id, field="id")
    )
    return Order.from_row(order)


@strawberry.type
class Query:
    order: Order | None = strawberry.federation.field(
        resolver=resolve_order,
        authenticated=True,
        description="An order by id; for its owner and admins only.",
    )


@strawberry.type
class Mutation:
    place_order: Order = strawberry.federation.mutation(
        resolver=place,
        authenticated=True,
        requires_scopes=[[ORDERS_WRITE_SCOPE]],
        description=(
            "Places an order for the signed-in user: every item and its stock, or nothing."
        ),
    )
    cancel_order: Order = strawberry.federation.mutation(
        resolver=cancel,
        authenticated=True,
        description=(
            "Cancels a placed order (the owner's, or any for an admin) and returns its stock."
        ),
    )


async def follow_order(
    info: strawberry.Info[OrdersContext, None], order_id: strawberry.ID
) -> AsyncGenerator[Order | None, None]:
    context = info.context
    signed_in(context)
    wanted = parse_int_id(order_id, field="orderId")
    async with context.events.subscribe(lambda event: event.order_id == wanted) as events:
        row = await context.order_by_id.load(wanted)
        if row is None:
            raise not_found(f"Unknown order {wanted}", orderId=str(wanted))
        require_owner_or_admin(context, row.user_id, f"Order {wanted}")
        async for event in events:
            yield Order.from_row(event.as_row())


async def follow_my_orders(
    info: strawberry.Info[OrdersContext, None],
) -> AsyncGenerator[Order | None, None]:
    context = info.context
    user_id = signed_in(context).user_id
    if user_id is None:
        raise bad_user_input("Only users have orders to follow")
    async with context.events.subscribe(lambda event: event.user_id == user_id) as events:
        async for event in events:
            yield Order.from_row(event.as_row())


@strawberry.type
class Subscription:
    order_updated: AsyncGenerator[Order | None, None] = strawberry.subscription(
        resolver=follow_order,
        directives=[Authenticated()],
        description=(
            "The order after each change of its status; for its owner and admins only "
            "(others get FORBIDDEN and the subscription ends)."
        ),
    )
    my_order_updates: AsyncGenerator[Order | None, None] = strawberry.subscription(
        resolver=follow_my_orders,
        directives=[Authenticated()],
        description="Each of the signed-in user's orders after each change of its status.",
    )


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[User, Product, Order],
    federation_version="2.9",
    extensions=[mask_unexpected_errors, cache_hints(PRIVATE_PER_CALLER)],
)
