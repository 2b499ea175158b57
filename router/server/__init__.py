"""The router as an HTTP service: the ASGI app around the gateway, GraphiQL, health and metrics."""

from router.server.app import build_services, create_app

__all__ = ["build_services", "create_app"]
