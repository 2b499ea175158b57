"""Per-request DataLoaders of the products subgraph."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.context import Identity, SubgraphContext
from subgraphs.shared.loaders import one_per_key
from subgraphs.shared.request_session import RequestSession

from .models import ProductRow


async def fetch_products_by_id(db: AsyncSession, ids: list[int]) -> Sequence[ProductRow]:
    return (await db.scalars(select(ProductRow).where(ProductRow.id.in_(ids)))).all()


async def fetch_products_by_sku(db: AsyncSession, skus: list[str]) -> Sequence[ProductRow]:
    return (await db.scalars(select(ProductRow).where(ProductRow.sku.in_(skus)))).all()


class ProductsContext(SubgraphContext):
    def __init__(self, session: RequestSession, identity: Identity) -> None:
        super().__init__(session, identity)
        self.product_by_id = one_per_key(session, fetch_products_by_id, lambda row: row.id)
        self.product_by_sku = one_per_key(session, fetch_products_by_sku, lambda row: row.sku)
