"""Shipping estimate for one unit of a product, from its weight and price."""

from __future__ import annotations

import math

BASE_CENTS = 499
PER_STARTED_KG_CENTS = 125
FREE_SHIPPING_FROM_CENTS = 100_00
FREE_SHIPPING_MAX_KG = 20.0


def shipping_estimate_cents(weight_kg: float, price_cents: int) -> int:
    """Free for items from 100.00 up to 20 kg; otherwise 4.99 plus 1.25 per started kg."""
    if price_cents >= FREE_SHIPPING_FROM_CENTS and weight_kg <= FREE_SHIPPING_MAX_KG:
        return 0
    return BASE_CENTS + PER_STARTED_KG_CENTS * max(1, math.ceil(weight_kg))
