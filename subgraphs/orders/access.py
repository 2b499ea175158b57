"""Who may do what with orders: owners and admins read and cancel, signed-in users place.

Ownership is decided here, in the subgraph that holds the data, whatever the router checked:
a caller who is neither the owner nor an admin gets an error coded FORBIDDEN and never the data.
"""

from __future__ import annotations

from subgraphs.shared.context import SubgraphContext
from subgraphs.shared.errors import FORBIDDEN, UNAUTHENTICATED, coded_error
from subgraphs.shared.identity import Caller

ORDERS_WRITE_SCOPE = "orders:write"


def signed_in(context: SubgraphContext) -> Caller:
    """The caller, who must have presented a verified credential."""
    caller = context.caller
    if caller.subject is None:
        raise coded_error("This operation needs a signed-in user", UNAUTHENTICATED)
    return caller


def may_access(caller: Caller, owner_id: int | None) -> bool:
    return caller.is_admin or (caller.user_id is not None and caller.user_id == owner_id)


def require_owner_or_admin(context: SubgraphContext, owner_id: int | None, what: str) -> Caller:
    caller = signed_in(context)
    if not may_access(caller, owner_id):
        raise coded_error(f"{what} belongs to another user", FORBIDDEN)
    return caller


def require_order_writer(context: SubgraphContext) -> int:
    """The id of the signed-in user placing an order, who must hold orders:write."""
    caller = signed_in(context)
    if caller.user_id is None:
        raise coded_error("Only users place orders", FORBIDDEN)
    if not caller.has_scope(ORDERS_WRITE_SCOPE):
        raise coded_error(f"Placing an order needs the {ORDERS_WRITE_SCOPE} scope", FORBIDDEN)
    return caller.user_id
