"""Every limit and switch of the gateway, with defaults fit for production."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from graphql import ASTValidationRule

from router.executor import FetchObserver, ValueCompletionMode
from router.executor.entity_cache import EntityCacheOptions, EntityStore
from router.executor.entity_cache.cache import EntityCacheStats
from router.executor.instances import InstanceDirectory
from router.executor.traffic import DEFAULT_TRAFFIC, SubgraphTraffic, TrafficListener
from router.planner.errors import PlanningBudget

if TYPE_CHECKING:
    from router.gateway.prepared import PreparedOperation
    from router.supergraph.model import Supergraph


class OperationGuard(Protocol):
    """Checks an operation before it runs (demand control) and sees its response after."""

    def check(
        self, prepared: PreparedOperation, variables: Mapping[str, Any]
    ) -> dict[str, Any] | None: ...

    def refuses_statically(self, prepared: PreparedOperation) -> bool:
        """Whether every request of ``prepared`` will be refused, whatever its variables."""
        ...

    def record(
        self, prepared: PreparedOperation, variables: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None: ...


@dataclass(slots=True)
class GatewayOptions:
    subgraph_timeout: float = 30.0  # seconds, per fetch
    subgraph_timeouts: dict[str, float] = field(default_factory=dict)  # per subgraph name
    url_overrides: dict[str, str] = field(default_factory=dict)  # subgraph name -> URL
    plan_cache_size: int = 1000  # bounded LRU of prepared operations
    # bounds on planning one operation (None: the planner's defaults)
    planning_budget: PlanningBudget | None = None
    max_connections_per_subgraph: int = 100
    max_keepalive_connections_per_subgraph: int | None = None  # None: as many as connections
    keepalive_expiry: float = 30.0  # seconds an idle pooled connection is kept
    validation_rules: tuple[type[ASTValidationRule], ...] = ()  # extra rules (limits)
    max_validation_errors: int = 100
    max_validation_ms: float | None = None  # validation of one document stops after this
    max_parser_tokens: int = 15_000  # a document with more lexical tokens is refused unparsed
    introspection: bool = True
    expose_query_plan: bool = False  # allow returning plan text in extensions
    # values the router nulls while completing a response: extensions.valueCompletion or errors
    value_completion: ValueCompletionMode = "extensions"
    # response shapes kept per operation, one per combination of @skip/@include variables
    shapes_per_operation: int = 32
    # In-process subgraphs by name (e.g. ``httpx.ASGITransport(app)``), bypassing the network.
    subgraph_transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    # Sees (adds headers to, times) every fetch of a subgraph without a transport above.
    fetch_observer: FetchObserver | None = None
    # The entity cache: a store shared across supergraph reloads (None: no entity cache).
    entity_store: EntityStore | None = None
    entity_cache: EntityCacheOptions = field(default_factory=EntityCacheOptions)
    entity_cache_stats: EntityCacheStats | None = None
    # The headers the current request forwards to a subgraph: part of entity cache keys.
    entity_cache_vary: Callable[[str], Mapping[str, str]] | None = None
    # Traffic shaping of subgraph fetches (limits, retries, circuit breaker, deduplication):
    # for every subgraph, unless ``traffic_by_subgraph`` names it.
    traffic: SubgraphTraffic = DEFAULT_TRAFFIC
    traffic_by_subgraph: dict[str, SubgraphTraffic] = field(default_factory=dict)
    traffic_listener: TrafficListener | None = None  # e.g. metrics of circuit states
    # Enforce @authenticated / @requiresScopes / @policy of the supergraph before planning.
    authorization: bool = True
    # An operation selecting anything the caller may not see is refused whole.
    reject_unauthorized: bool = False
    # Builds the operation guard for a supergraph (demand control); None: no guard.
    operation_guard: Callable[[Supergraph], OperationGuard] | None = None
    # Subgraphs running as several instances (shared across reloads); None: routing URLs only.
    instances: InstanceDirectory | None = None
    # Sees every operation that runs (usage reporting); None: nothing is recorded.
    usage_recorder: Callable[[PreparedOperation], None] | None = None
    # Subscriptions: subgraph name -> WebSocket URL (default: its URL with ws:// or wss://).
    subscription_urls: dict[str, str] = field(default_factory=dict)
    subscription_connect_timeout: float = 10.0  # the upgrade and `connection_ack`
    subscription_max_message_bytes: int = 1_000_000
    subscription_keepalive_seconds: float | None = 15.0  # ping frames to subgraph sockets
