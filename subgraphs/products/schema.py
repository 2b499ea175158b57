"""The products subgraph schema: Product (@key id, @key sku), catalogue and stock mutations."""

from __future__ import annotations

import strawberry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from strawberry import UNSET
from strawberry.federation.schema_directives import ListSize

from subgraphs.shared.cache_hints import PUBLIC_PRODUCTS, cache_hints
from subgraphs.shared.errors import (
    bad_user_input,
    mask_unexpected_errors,
    not_found,
    parse_int_id,
    parse_int_id_or_none,
)
from subgraphs.shared.money import Money
from subgraphs.shared.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    build_connection,
    check_page_size,
    decode_cursor,
)

from .loaders import ProductsContext
from .models import ProductRow
from .stock import (
    Reservation,
    ReservedStock,
    StockRequest,
    confirm_stock,
    release_stock,
    reservation_ttl_from_env,
    reserve_stock,
)
from .validation import MAX_RESTOCK, check_quantity, validate_new_product

PRODUCT_CURSOR_KIND = "product"
STOCK_RESERVE_SCOPE = "stock:reserve"  # the orders service's credential
ADMIN_SCOPE = "admin"
MAX_TOP_PRODUCTS = 100
MAX_STOCK_LEVEL = 2**31 - 1  # stock is a GraphQL Int


@strawberry.federation.type(keys=["id", "sku"], description="An item of the catalogue.")
class Product:
    id: strawberry.ID
    sku: str
    name: str = strawberry.federation.field(shareable=True)
    description: str
    price: Money
    weight: float = strawberry.federation.field(description="Shipping weight in kilograms.")
    stock: int = strawberry.federation.field(description="Units available to order.")

    @classmethod
    def from_row(cls, row: ProductRow) -> Product:
        return cls(
            id=strawberry.ID(str(row.id)),
            sku=row.sku,
            name=row.name,
            description=row.description,
            price=Money.from_cents(row.price_cents),
            weight=row.weight_kg,
            stock=row.stock,
        )

    @classmethod
    async def resolve_reference(
        cls,
        info: strawberry.Info[ProductsContext, None],
        id: strawberry.ID | None = None,
        sku: str | None = None,
    ) -> Product | None:
        if id is not None:
            return await load_product_by_id(info.context, parse_int_id_or_none(id))
        if sku is not None:
            return await load_product_by_sku(info.context, sku)
        return None


async def load_product_by_id(context: ProductsContext, product_id: int | None) -> Product | None:
    if product_id is None:
        return None
    row = await context.product_by_id.load(product_id)
    return Product.from_row(row) if row is not None else None


async def load_product_by_sku(context: ProductsContext, sku: str) -> Product | None:
    row = await context.product_by_sku.load(sku)
    return Product.from_row(row) if row is not None else None


@strawberry.input(description='An amount of money; amount is a decimal string, e.g. "19.99".')
class MoneyInput:
    amount: str
    currency: str = "USD"


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    price: MoneyInput
    weight: float
    description: str = ""
    stock: int = 0


@strawberry.federation.input(inaccessible=True)
class StockLineInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.federation.type(inaccessible=True)
class ReservedLine:
    product_id: strawberry.ID
    product_name: str
    quantity: int
    unit_price: Money

    @classmethod
    def from_reserved(cls, line: ReservedStock) -> ReservedLine:
        return cls(
            product_id=strawberry.ID(str(line.product_id)),
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price=Money.from_cents(line.unit_price_cents),
        )


@strawberry.federation.type(
    inaccessible=True, description="Stock taken for an order, with the price snapshots."
)
class StockReservation:
    id: strawberry.ID
    lines: list[ReservedLine]

    @classmethod
    def from_reservation(cls, reservation: Reservation) -> StockReservation:
        return cls(
            id=strawberry.ID(reservation.id),
            lines=[ReservedLine.from_reserved(line) for line in reservation.lines],
        )


async def resolve_product(
    info: strawberry.Info[ProductsContext, None],
    id: strawberry.ID | None = None,
    sku: str | None = None,
) -> Product | None:
    if id is not None and sku is None:
        return await load_product_by_id(info.context, parse_int_id(id, field="id"))
    if sku is not None and id is None:
        return await load_product_by_sku(info.context, sku)
    raise bad_user_input("Pass exactly one of id and sku", field="id")


async def resolve_products(
    info: strawberry.Info[ProductsContext, None],
    first: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
    search: str | None = None,
) -> Connection[Product]:
    check_page_size(first)
    query = select(ProductRow).order_by(ProductRow.id).limit(first + 1)
    if after is not None:
        query = query.where(ProductRow.id > decode_cursor(PRODUCT_CURSOR_KIND, after))
    if search:
        query = query.where(ProductRow.name.icontains(search, autoescape=True))
    async with info.context.session.use() as db:
        rows = (await db.scalars(query)).all()
    return build_connection(
        rows,
        first=first,
        kind=PRODUCT_CURSOR_KIND,
        row_id=lambda row: row.id,
        to_node=Product.from_row,
    )


async def resolve_top_products(
    info: strawberry.Info[ProductsContext, None], first: int = 5
) -> list[Product]:
    check_page_size(first, maximum=MAX_TOP_PRODUCTS)
    query = select(ProductRow).order_by(ProductRow.units_sold.desc(), ProductRow.id).limit(first)
    async with info.context.session.use() as db:
        rows = (await db.scalars(query)).all()
    return [Product.from_row(row) for row in rows]


async def create_product(
    info: strawberry.Info[ProductsContext, None], input: CreateProductInput
) -> Product:
    info.context.require_admin()
    new = validate_new_product(
        sku=input.sku,
        name=input.name,
        description=input.description,
        amount=input.price.amount,
        currency=input.price.currency,
        weight=input.weight,
        stock=input.stock,
    )
    async with info.context.session.use() as db:
        taken = await db.scalar(select(ProductRow.id).where(ProductRow.sku == new.sku))
        if taken is not None:
            raise _sku_taken(new.sku)
        row = ProductRow(
            sku=new.sku,
            name=new.name,
            description=new.description,
            price_cents=new.price_cents,
            weight_kg=new.weight_kg,
            stock=new.stock,
            units_sold=0,
        )
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            raise _sku_taken(new.sku) from None
    return Product.from_row(row)


async def restock(
    info: strawberry.Info[ProductsContext, None], product_id: strawberry.ID, quantity: int
) -> Product:
    info.context.require_admin()
    product_key = parse_int_id(product_id, field="productId")
    check_quantity(quantity, field="quantity", minimum=1, maximum=MAX_RESTOCK)
    async with info.context.session.use() as db:
        row = await db.scalar(
            update(ProductRow)
            .where(ProductRow.id == product_key, ProductRow.stock <= MAX_STOCK_LEVEL - quantity)
            .values(stock=ProductRow.stock + quantity)
            .returning(ProductRow)
            .execution_options(synchronize_session=False)
        )
        if row is None:
            stock = await db.scalar(select(ProductRow.stock).where(ProductRow.id == product_key))
            await db.rollback()
            if stock is None:
                raise not_found(f"Unknown product {product_id}", productId=str(product_id))
            raise bad_user_input(
                f"Restocking {quantity} would take the stock ({stock}) past {MAX_STOCK_LEVEL}",
                field="quantity",
            )
        product = Product.from_row(row)
        await db.commit()
    return product


async def reserve(
    info: strawberry.Info[ProductsContext, None],
    lines: list[StockLineInput],
    idempotency_key: strawberry.ID | None = None,
) -> StockReservation:
    info.context.require_service(STOCK_RESERVE_SCOPE)
    requests = [
        StockRequest(parse_int_id(line.product_id, field="productId"), line.quantity)
        for line in lines
    ]
    async with info.context.session.use() as db:
        reservation = await reserve_stock(
            db,
            requests,
            key=str(idempotency_key) if idempotency_key is not None else None,
            ttl=reservation_ttl_from_env(),
        )
    return StockReservation.from_reservation(reservation)


async def confirm(
    info: strawberry.Info[ProductsContext, None], reservation_id: strawberry.ID
) -> bool:
    info.context.require_service(STOCK_RESERVE_SCOPE)
    async with info.context.session.use() as db:
        return await confirm_stock(db, str(reservation_id))


async def release(
    info: strawberry.Info[ProductsContext, None], reservation_id: strawberry.ID
) -> bool:
    info.context.require_service(STOCK_RESERVE_SCOPE)
    async with info.context.session.use() as db:
        return await release_stock(db, str(reservation_id))


@strawberry.type
class Query:
    product: Product | None = strawberry.field(
        resolver=resolve_product, description="A product by id or by sku: exactly one of them."
    )
    products: Connection[Product] = strawberry.field(
        resolver=resolve_products,
        description="The catalogue by id; `search` matches names, any case.",
        directives=[
            ListSize(assumed_size=UNSET, slicing_arguments=["first"], sized_fields=["edges"])
        ],
    )
    top_products: list[Product] = strawberry.field(
        directives=[ListSize(assumed_size=UNSET, slicing_arguments=["first"], sized_fields=UNSET)],
        resolver=resolve_top_products,
        description="Best sellers: most units sold first.",
    )


@strawberry.type
class Mutation:
    create_product: Product = strawberry.federation.mutation(
        resolver=create_product,
        requires_scopes=[[ADMIN_SCOPE]],
        description="Adds a product; the sku must be unused. Admins only.",
    )
    restock: Product = strawberry.federation.mutation(
        resolver=restock,
        requires_scopes=[[ADMIN_SCOPE]],
        description="Adds `quantity` units to a product's stock. Admins only.",
    )
    reserve_stock: StockReservation = strawberry.federation.mutation(
        resolver=reserve,
        inaccessible=True,
        tags=["internal"],
        description=(
            "Takes stock for all lines in one transaction, or none; a retry under the same "
            "idempotencyKey returns the same reservation. It expires unless confirmed within "
            "STOCK_RESERVATION_TTL_SECONDS. Only for the orders service's credential "
            "(stock:reserve)."
        ),
    )
    confirm_stock: bool = strawberry.federation.mutation(
        resolver=confirm,
        inaccessible=True,
        tags=["internal"],
        description=(
            "Keeps a reservation past its expiry; false if it was released already. Only for "
            "the orders service's credential (stock:reserve)."
        ),
    )
    release_stock: bool = strawberry.federation.mutation(
        resolver=release,
        inaccessible=True,
        tags=["internal"],
        description=(
            "Puts a reservation's stock back; false if it was already released. Only for the "
            "orders service's credential (stock:reserve)."
        ),
    )


def _sku_taken(sku: str) -> Exception:
    return bad_user_input(f"A product with sku {sku!r} already exists", field="sku")


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Product],
    federation_version="2.9",
    extensions=[mask_unexpected_errors, cache_hints(PUBLIC_PRODUCTS)],
)
