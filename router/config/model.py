"""The router's configuration model: one YAML file plus environment overrides.

Every section has sane defaults, so an empty file (or none) is a valid configuration. Unknown
keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from router.config.authentication import AuthenticationConfig
from router.config.authorization import AuthorizationConfig
from router.config.entity_cache import EntityCacheConfig
from router.config.resilience import DemandControlConfig, ErrorsConfig
from router.config.sections import Section
from router.config.subscriptions import SubscriptionsConfig
from router.config.traffic_shaping import TrafficShapingConfig
from router.planner.errors import PlanningBudget


class ServerConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    graphql_path: str = "/graphql"
    graphiql: bool = True
    introspection: bool = True
    health_path: str = "/health"
    ready_path: str = "/ready"
    # on SIGTERM: stop accepting, let in-flight requests finish for at most this long, exit
    shutdown_grace_seconds: float = Field(default=30.0, gt=0)

    @field_validator("graphql_path", "health_path", "ready_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value


class RegistrySourceConfig(Section):
    """Follow a schema registry: the supergraph and the subgraphs' instances come from it."""

    url: str  # the registry's base URL, e.g. http://registry:4100
    token: str | None = None  # a bearer token with the registry:read scope
    token_env: str | None = None  # or the environment variable holding it
    wait_seconds: float = Field(default=25.0, ge=0, le=30)  # long poll: the registry holds
    timeout: float = Field(default=10.0, gt=0)  # seconds per request, on top of the wait
    backoff_seconds: float = Field(default=1.0, gt=0)  # after a failed poll, doubling
    max_backoff_seconds: float = Field(default=30.0, gt=0)
    startup_timeout: float = Field(default=10.0, gt=0)  # first state before serving the cache
    cache_path: str | None = None  # the last good state, to start while the registry is down

    @model_validator(mode="after")
    def _one_token(self) -> RegistrySourceConfig:
        if self.token is not None and self.token_env is not None:
            raise ValueError("give at most one of 'token' or 'token_env'")
        return self


class SupergraphConfig(Section):
    path: str | None = None
    watch: bool = True
    registry: RegistrySourceConfig | None = None  # when set, followed instead of ``path``


class SubgraphConfig(Section):
    url: str | None = None
    timeout: float | None = Field(default=None, gt=0)
    instances: tuple[str, ...] = ()  # URLs of the subgraph's instances, balanced over


class UsageReportingConfig(Section):
    """Operation usage sent to the registry (``supergraph.registry``) for schema checks."""

    enabled: bool = False
    interval_seconds: float = Field(default=10.0, gt=0)
    max_batch: int = Field(default=500, ge=1)  # operations per POST
    max_operations: int = Field(default=10_000, ge=1)  # distinct operations kept between sends
    retries: int = Field(default=2, ge=0)  # per batch, then it is dropped
    timeout: float = Field(default=10.0, gt=0)
    token: str | None = None  # registry:report scope; default: the registry source's token
    token_env: str | None = None


class LimitsConfig(Section):
    max_depth: int | None = Field(default=20, ge=1)
    max_aliases: int | None = Field(default=30, ge=0)
    max_root_fields: int | None = Field(default=20, ge=1)
    max_body_bytes: int = Field(default=2_000_000, ge=1)
    max_parser_tokens: int = Field(default=15_000, ge=1)
    request_timeout: float = Field(default=30.0, gt=0)
    subgraph_timeout: float = Field(default=30.0, gt=0)
    max_validation_ms: float | None = Field(default=500.0, gt=0)


class BatchingConfig(Section):
    enabled: bool = True
    max_size: int = Field(default=10, ge=1)


class CsrfConfig(Section):
    enabled: bool = True
    required_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")


class CorsConfig(Section):
    allow_origins: tuple[str, ...] = ()
    allow_origin_regex: str | None = None
    allow_credentials: bool = False
    allow_headers: tuple[str, ...] = (
        "content-type",
        "authorization",
        "x-user-id",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "x-fedra-query-plan",
    )
    allow_methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    expose_headers: tuple[str, ...] = ()
    max_age: int = Field(default=600, ge=0)

    @field_validator("allow_origin_regex")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> CorsConfig:
        if self.allow_credentials and "*" in self.allow_origins:
            raise ValueError("allow_origins '*' cannot be combined with allow_credentials")
        return self


class RedisConfig(Section):
    url: str
    ttl_seconds: int | None = Field(default=86_400, ge=1)
    prefix: str = "fedra:apq:"


class ApqConfig(Section):
    enabled: bool = True
    cache_size: int = Field(default=1000, ge=1)
    cache_max_chars: int = Field(default=50_000_000, ge=1)
    redis: RedisConfig | None = None


class RateLimitKeyConfig(Section):
    source: Literal["ip", "header", "jwt_claim"] = "ip"
    header: str = "authorization"
    claim: str = "sub"


class RateLimitConfig(Section):
    enabled: bool = False
    limit: str = "100/second"
    strategy: Literal["moving-window", "sliding-window-counter", "fixed-window"] = "moving-window"
    storage_url: str = "memory://"
    key: RateLimitKeyConfig = RateLimitKeyConfig()

    @field_validator("limit")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"not a rate limit expression like '100/second': {error}") from None
        return value


class PropagateRule(Section):
    named: str | None = None
    matching: str | None = None
    rename: str | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> PropagateRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("give exactly one of 'named' or 'matching'")
        if self.matching is not None:
            re.compile(self.matching)
            if self.rename is not None or self.default is not None:
                raise ValueError("'rename' and 'default' only apply to 'named'")
        return self


class InsertRule(Section):
    name: str
    value: str


class RemoveRule(Section):
    named: str | None = None
    matching: str | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> RemoveRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("give exactly one of 'named' or 'matching'")
        if self.matching is not None:
            re.compile(self.matching)
        return self


class HeaderRule(Section):
    propagate: PropagateRule | None = None
    insert: InsertRule | None = None
    remove: RemoveRule | None = None

    @model_validator(mode="after")
    def _one_action(self) -> HeaderRule:
        given = [rule for rule in (self.propagate, self.insert, self.remove) if rule is not None]
        if len(given) != 1:
            raise ValueError("a header rule is exactly one of 'propagate', 'insert', 'remove'")
        return self


class HeadersConfig(Section):
    all: tuple[HeaderRule, ...] = ()
    subgraphs: dict[str, tuple[HeaderRule, ...]] = {}


class QueryPlanConfig(Section):
    enabled: bool = False
    header: str = "x-fedra-query-plan"


class TracingConfig(Section):
    enabled: bool = True
    exporter: Literal["none", "console", "otlp"] = "none"
    otlp_endpoint: str | None = None


class MetricsConfig(Section):
    enabled: bool = True
    path: str = "/metrics"


class TelemetryConfig(Section):
    service_name: str = "fedra-router"
    tracing: TracingConfig = TracingConfig()
    metrics: MetricsConfig = MetricsConfig()


class LoggingConfig(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["json", "text"] = "json"


class GatewayTuning(Section):
    plan_cache_size: int = Field(default=1000, ge=1)
    max_connections_per_subgraph: int = Field(default=100, ge=1)


class PlanningConfig(Section):
    """Bounds on planning one operation; an operation over them gets QUERY_PLANNING_FAILED."""

    max_options: int = Field(default=200_000, ge=1)  # options the search may explore
    max_seconds: float = Field(default=5.0, gt=0)  # wall-clock time of one planning run
    # @defer(if: $v) variables planned for every value in advance (2ⁿ plans); with more, each
    # combination of values a request uses is planned when first used
    max_defer_conditions: int = Field(default=4, ge=0, le=10)

    def budget(self) -> PlanningBudget:
        return PlanningBudget(self.max_options, self.max_seconds, self.max_defer_conditions)


class RouterConfig(Section):
    server: ServerConfig = ServerConfig()
    supergraph: SupergraphConfig = SupergraphConfig()
    subgraphs: dict[str, SubgraphConfig] = {}
    limits: LimitsConfig = LimitsConfig()
    batching: BatchingConfig = BatchingConfig()
    csrf: CsrfConfig = CsrfConfig()
    cors: CorsConfig = CorsConfig()
    apq: ApqConfig = ApqConfig()
    rate_limit: RateLimitConfig = RateLimitConfig()
    headers: HeadersConfig = HeadersConfig()
    query_plan: QueryPlanConfig = QueryPlanConfig()
    telemetry: TelemetryConfig = TelemetryConfig()
    logging: LoggingConfig = LoggingConfig()
    gateway: GatewayTuning = GatewayTuning()
    planning: PlanningConfig = PlanningConfig()
    hooks: tuple[str, ...] = ()
    entity_cache: EntityCacheConfig = EntityCacheConfig()
    traffic_shaping: TrafficShapingConfig = TrafficShapingConfig()
    authentication: AuthenticationConfig = AuthenticationConfig()
    authorization: AuthorizationConfig = AuthorizationConfig()
    development: bool = False  # `fedra dev`: subgraph errors unmasked by default
    errors: ErrorsConfig = ErrorsConfig()
    demand_control: DemandControlConfig = DemandControlConfig()
    usage_reporting: UsageReportingConfig = UsageReportingConfig()

    @model_validator(mode="after")
    def _usage_has_a_registry(self) -> RouterConfig:
        if self.usage_reporting.enabled and self.supergraph.registry is None:
            raise ValueError("usage_reporting needs supergraph.registry (where to report)")
        return self

    subscriptions: SubscriptionsConfig = SubscriptionsConfig()

    def subgraph_url_overrides(self) -> dict[str, str]:
        return {name: sub.url for name, sub in self.subgraphs.items() if sub.url is not None}

    def subgraph_instances(self) -> dict[str, tuple[str, ...]]:
        return {name: sub.instances for name, sub in self.subgraphs.items() if sub.instances}

    def subgraph_timeouts(self) -> dict[str, float]:
        return {
            name: sub.timeout for name, sub in self.subgraphs.items() if sub.timeout is not None
        }
