"""Identity and authorization in the router: verified callers and what they may see."""

from router.auth.principal import ANONYMOUS, Principal

__all__ = ["ANONYMOUS", "Principal"]
