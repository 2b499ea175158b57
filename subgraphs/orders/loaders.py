"""Per-request DataLoaders of the orders subgraph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.context import Identity, SubgraphContext
from subgraphs.shared.loaders import BatchLoader, many_per_key, one_per_key, value_per_key
from subgraphs.shared.request_session import RequestSession

from .hub import OrderEventHub
from .models import OrderItemRow, OrderRow
from .products_client import ProductsClient

FetchOrders = Callable[[AsyncSession, list[int]], Awaitable[Sequence[OrderRow]]]


async def fetch_orders_by_id(db: AsyncSession, ids: list[int]) -> Sequence[OrderRow]:
    return (await db.scalars(select(OrderRow).where(OrderRow.id.in_(ids)))).all()


async def fetch_items_by_order(db: AsyncSession, order_ids: list[int]) -> Sequence[OrderItemRow]:
    query = (
        select(OrderItemRow)
        .where(OrderItemRow.order_id.in_(order_ids))
        .order_by(OrderItemRow.order_id, OrderItemRow.id)
    )
    return (await db.scalars(query)).all()


async def fetch_order_counts(db: AsyncSession, user_ids: list[int]) -> list[tuple[int, int]]:
    query = (
        select(OrderRow.user_id, func.count())
        .where(OrderRow.user_id.in_(user_ids))
        .group_by(OrderRow.user_id)
    )
    return [(user_id, count) for user_id, count in (await db.execute(query)).all()]


def newest_orders_per_user(first: int) -> FetchOrders:
    """Up to `first` newest orders of each user, for all users in one query."""

    async def fetch(db: AsyncSession, user_ids: list[int]) -> Sequence[OrderRow]:
        newest_first = (OrderRow.created_at.desc(), OrderRow.id.desc())
        ranked = (
            select(
                OrderRow.id,
                func.row_number()
                .over(partition_by=OrderRow.user_id, order_by=newest_first)
                .label("position"),
            )
            .where(OrderRow.user_id.in_(user_ids))
            .subquery()
        )
        query = (
            select(OrderRow)
            .join(ranked, ranked.c.id == OrderRow.id)
            .where(ranked.c.position <= first)
            .order_by(OrderRow.user_id, *newest_first)
        )
        return (await db.scalars(query)).all()

    return fetch


class OrdersContext(SubgraphContext):
    def __init__(
        self,
        session: RequestSession,
        identity: Identity,
        products: ProductsClient,
        events: OrderEventHub,
    ) -> None:
        super().__init__(session, identity)
        self.products = products
        self.events = events
        self.order_by_id = one_per_key(session, fetch_orders_by_id, lambda row: row.id)
        self.items_by_order = many_per_key(session, fetch_items_by_order, lambda row: row.order_id)
        self.order_count_by_user = value_per_key(session, fetch_order_counts, 0)
        self._orders_by_user: dict[int, BatchLoader[int, list[OrderRow]]] = {}

    def orders_by_user(self, first: int) -> BatchLoader[int, list[OrderRow]]:
        """One loader per page size, so users asking for the same `first` share a query."""
        loader = self._orders_by_user.get(first)
        if loader is None:
            loader = many_per_key(
                self.session, newest_orders_per_user(first), lambda row: row.user_id
            )
            self._orders_by_user[first] = loader
        return loader
