"""Everything the endpoint needs, built once per app from the configuration."""

from __future__ import annotations

from dataclasses import dataclass

from router.auth.authenticate import Authenticator
from router.auth.forwarding import IdentityForwarding
from router.config.model import RouterConfig
from router.executor.entity_cache import EntityStore
from router.executor.instances import InstanceDirectory
from router.gateway.subscription import SUBSCRIPTION_SHUTDOWN
from router.server.apq import PersistedQueryStore
from router.server.header_rules import HeaderPropagation
from router.server.hooks import HookChain
from router.server.metrics import RouterMetrics
from router.server.rate_limit import ClientRateLimiter
from router.server.schema_holder import SchemaHolder
from router.server.subscriptions.limits import ConnectionLimiter
from router.server.tracing import RouterTracing
from router.server.usage import UsageRecorder


@dataclass(slots=True)
class RouterServices:
    config: RouterConfig
    holder: SchemaHolder
    metrics: RouterMetrics
    tracing: RouterTracing
    hooks: HookChain
    propagation: HeaderPropagation
    apq_store: PersistedQueryStore | None
    rate_limiter: ClientRateLimiter | None
    graphiql_html: str | None
    entity_store: EntityStore | None = None
    authenticator: Authenticator | None = None  # None: authentication is off
    identity: IdentityForwarding | None = None
    # open subscription connections (WebSocket, SSE, multipart) per client address
    subscription_connections: ConnectionLimiter | None = None

    def end_subscriptions(self) -> None:
        """End the live subscriptions (the router is shutting down): each gets an error."""
        current = self.holder.current
        if current is not None:
            current.gateway.end_subscriptions(
                "The router is shutting down: subscribe again.", SUBSCRIPTION_SHUTDOWN
            )

    instances: InstanceDirectory | None = None  # subgraphs running as several instances
    usage: UsageRecorder | None = None  # operation usage, for reporting to the registry

    async def aclose(self) -> None:
        await self.holder.aclose()
        if self.instances is not None:
            self.instances.close()
        if self.authenticator is not None:
            await self.authenticator.aclose()
        if self.apq_store is not None:
            await self.apq_store.aclose()
        if self.rate_limiter is not None:
            await self.rate_limiter.aclose()
        if self.entity_store is not None:
            await self.entity_store.aclose()
        self.tracing.shutdown()
