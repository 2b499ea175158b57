"""Input rules for the catalogue and stock mutations."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from subgraphs.shared.errors import bad_user_input
from subgraphs.shared.money import SHOP_CURRENCY, amount_to_cents

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_WEIGHT_KG = 1000.0
MAX_STOCK = 1_000_000
MAX_RESTOCK = 1_000_000


@dataclass(frozen=True, slots=True)
class NewProduct:
    sku: str
    name: str
    description: str
    price_cents: int
    weight_kg: float
    stock: int


def validate_new_product(
    *,
    sku: str,
    name: str,
    description: str,
    amount: str,
    currency: str,
    weight: float,
    stock: int,
) -> NewProduct:
    """Normalised input (upper-case SKU, trimmed text), or a BAD_USER_INPUT error."""
    normalised_sku = sku.strip().upper()
    if not _SKU.match(normalised_sku):
        raise bad_user_input(
            "sku must be 3 to 32 letters, digits or dashes, starting with a letter or digit",
            field="sku",
        )
    trimmed_name = name.strip()
    if not trimmed_name or len(trimmed_name) > MAX_NAME_LENGTH:
        raise bad_user_input(f"name must be 1 to {MAX_NAME_LENGTH} characters", field="name")
    trimmed_description = description.strip()
    if len(trimmed_description) > MAX_DESCRIPTION_LENGTH:
        raise bad_user_input(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
        )
    cents = amount_to_cents(amount)
    if cents is None:
        raise bad_user_input(
            f"price.amount must be a non-negative decimal with at most two fraction digits, "
            f"got {amount!r}",
            field="price.amount",
        )
    if currency != SHOP_CURRENCY:
        raise bad_user_input(
            f"price.currency must be {SHOP_CURRENCY}, got {currency!r}", field="price.currency"
        )
    if not math.isfinite(weight) or weight <= 0 or weight > MAX_WEIGHT_KG:
        raise bad_user_input(
            f"weight must be more than 0 and at most {MAX_WEIGHT_KG} kg", field="weight"
        )
    check_quantity(stock, field="stock", minimum=0, maximum=MAX_STOCK)
    return NewProduct(
        sku=normalised_sku,
        name=trimmed_name,
        description=trimmed_description,
        price_cents=cents,
        weight_kg=weight,
        stock=stock,
    )


def check_quantity(quantity: int, *, field: str, minimum: int, maximum: int) -> None:
    if quantity < minimum or quantity > maximum:
        raise bad_user_input(
            f"{field} must be between {minimum} and {maximum}, got {quantity}", field=field
        )
