"""What every subgraph's per-request context holds."""

from __future__ import annotations

from strawberry.fastapi import BaseContext

from .errors import UNAUTHENTICATED, coded_error, parse_int_id_or_none
from .request_session import RequestSession

CALLER_HEADER = "x-user-id"


class SubgraphContext(BaseContext):
    """One request: its single database session (subclasses add the DataLoaders)."""

    def __init__(self, session: RequestSession, caller_header: str | None) -> None:
        super().__init__()
        self.session = session
        self.caller_header = caller_header

    def caller_id(self) -> int | None:
        """The calling user's id from the `x-user-id` header; None without the header.

        A header that is not a user id is an UNAUTHENTICATED error rather than "nobody".
        """
        if self.caller_header is None or self.caller_header.strip() == "":
            return None
        caller = parse_int_id_or_none(self.caller_header.strip())
        if caller is None:
            raise coded_error(f"Invalid {CALLER_HEADER} header", UNAUTHENTICATED)
        return caller

    def require_caller_id(self) -> int:
        caller = self.caller_id()
        if caller is None:
            raise coded_error(f"This operation needs the {CALLER_HEADER} header", UNAUTHENTICATED)
        return caller
