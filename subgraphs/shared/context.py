"""What every subgraph's per-request context holds."""

from __future__ import annotations

from strawberry.fastapi import BaseContext

from .errors import FORBIDDEN, UNAUTHENTICATED, coded_error
from .identity import Caller, IdentityError
from .request_session import RequestSession

Identity = Caller | IdentityError  # the verified caller, or why the credentials did not verify


class SubgraphContext(BaseContext):
    """One request: its single database session and its verified caller (subclasses add the
    DataLoaders)."""

    def __init__(self, session: RequestSession, identity: Identity) -> None:
        super().__init__()
        self.session = session
        self._identity = identity

    def set_identity(self, identity: Identity) -> None:
        """Replaces the caller (a WebSocket's `connection_init` may bring credentials)."""
        self._identity = identity

    @property
    def caller(self) -> Caller:
        """The verified caller (anonymous without credentials); credentials that do not
        verify are an UNAUTHENTICATED error for whatever needs to know the caller."""
        if isinstance(self._identity, IdentityError):
            raise coded_error(str(self._identity), UNAUTHENTICATED)
        return self._identity

    def caller_id(self) -> int | None:
        """The calling user's id from a verified token; None for anonymous callers."""
        return self.caller.user_id

    def require_caller_id(self) -> int:
        caller = self.caller_id()
        if caller is None:
            raise coded_error("This operation needs a signed-in user", UNAUTHENTICATED)
        return caller

    def require_admin(self) -> Caller:
        caller = self.caller
        if caller.subject is None:
            raise coded_error("This operation needs a signed-in user", UNAUTHENTICATED)
        if not caller.is_admin:
            raise coded_error("This operation needs the admin scope", FORBIDDEN)
        return caller

    def require_service(self, scope: str) -> Caller:
        """A service credential (``sub: service:<name>``) holding ``scope``; user tokens are
        refused whatever their scopes."""
        caller = self.caller
        if caller.subject is None:
            raise coded_error("This operation needs a service credential", UNAUTHENTICATED)
        if caller.service is None or not caller.has_scope(scope):
            raise coded_error(f"This operation needs a service credential with {scope}", FORBIDDEN)
        return caller
