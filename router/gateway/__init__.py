"""The gateway core: operation handling from request to response, without HTTP."""

from router.gateway.gateway import Gateway
from router.gateway.options import GatewayOptions
from router.gateway.prepared import PreparedOperation
from router.gateway.preparer import Planner
from router.gateway.request import GraphQLRequest

__all__ = ["Gateway", "GatewayOptions", "GraphQLRequest", "Planner", "PreparedOperation"]
