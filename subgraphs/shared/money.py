"""Money: a @shareable value type. Amounts travel as decimal strings, never floats.

`amount` is a decimal string with exactly two fraction digits ("19.99"), stored as integer
minor units (cents) in the databases; `currency` is an ISO 4217 code. Every price in this
shop is in USD.
"""

from __future__ import annotations

import re

import strawberry

SHOP_CURRENCY = "USD"

_AMOUNT = re.compile(r"^(0|[1-9]\d{0,9})(?:\.(\d{1,2}))?$")


@strawberry.federation.type(
    shareable=True,
    description=(
        "An amount of money. `amount` is a decimal string with two fraction digits "
        '(e.g. "19.99"); `currency` is an ISO 4217 code.'
    ),
)
class Money:
    amount: str
    currency: str

    @classmethod
    def from_cents(cls, cents: int, currency: str = SHOP_CURRENCY) -> Money:
        return cls(amount=cents_to_amount(cents), currency=currency)


def cents_to_amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


def amount_to_cents(amount: str) -> int | None:
    """Cents for a non-negative decimal string with at most two fraction digits, else None."""
    match = _AMOUNT.match(amount.strip())
    if match is None:
        return None
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * 100 + int(fraction.ljust(2, "0"))
