"""The router's ASGI app, built by ``create_app`` from a configuration and a supergraph."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from router.auth.authenticate import Authenticator
from router.auth.forwarding import IdentityForwarding
from router.config.model import RouterConfig
from router.demand import CostGuard, CostMetrics
from router.executor.fetcher import BASE_HEADERS
from router.executor.http_pool import ConnectionPool
from router.executor.instances import InstanceDirectory, InstanceSpec
from router.executor.traffic import BalancingPolicy, SubgraphTraffic
from router.gateway import Gateway, GatewayOptions
from router.server.apq import MemoryQueryStore, PersistedQueryStore, RedisQueryStore
from router.server.draining import Draining
from router.server.endpoint import GraphQLEndpoint
from router.server.entity_cache_setup import (
    EntityCacheCollector,
    EntityCacheSetup,
    forwarded_headers,
)
from router.server.fetch_observer import ServerFetchObserver
from router.server.graphiql import STATIC_DIR, STATIC_PATH, graphiql_page
from router.server.header_rules import HeaderPropagation
from router.server.heap import freeze_long_lived
from router.server.hooks import load_hooks
from router.server.invalidation import InvalidationEndpoint
from router.server.metrics import RouterMetrics
from router.server.operation_limits import limit_rules
from router.server.rate_limit import ClientRateLimiter
from router.server.registry_client import RegistryClient, resolve_token
from router.server.registry_source import RegistrySource
from router.server.schema_holder import SchemaHolder
from router.server.services import RouterServices
from router.server.shutdown import listen_for_shutdown
from router.server.subgraph_transport import in_process_transports
from router.server.subscriptions.limits import ConnectionLimiter
from router.server.subscriptions.websocket import GraphQLWebSocket
from router.server.supergraph_source import SupergraphFile
from router.server.tracing import RouterTracing
from router.server.usage import UsageRecorder, UsageReporter
from router.supergraph import Supergraph

logger = logging.getLogger("fedra.server")


def create_app(
    config: RouterConfig,
    *,
    supergraph_path: str | Path | None = None,
    subgraph_transports_override: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    watch_force_polling: bool | None = None,
) -> Starlette:
    """Build the router app. The supergraph comes from ``supergraph_path`` or, when None,
    from ``config.supergraph.path``; it is loaded at startup and watched when configured.

    ``subgraph_transports_override`` sends subgraph requests to in-process apps (tests).
    """
    path = supergraph_path if supergraph_path is not None else config.supergraph.path
    registry_config = config.supergraph.registry if supergraph_path is None else None
    if path is None and registry_config is None:
        raise ValueError(
            "no supergraph: give supergraph_path or set supergraph.path or supergraph.registry"
        )
    if registry_config is not None and path is not None:
        logger.warning(
            "supergraph.path is ignored: the supergraph comes from the registry",
            extra={"path": str(path), "registry": registry_config.url},
        )
    services = build_services(config, subgraph_transports_override)
    source: SupergraphFile | None = None
    registry: RegistrySource | None = None
    if registry_config is not None:
        assert services.instances is not None
        registry = RegistrySource(
            registry_config,
            services.holder,
            services.instances,
            services.metrics,
            static_instances=frozenset(config.subgraph_instances()),
            on_installed=freeze_long_lived,
        )
    else:
        assert path is not None
        source = SupergraphFile(
            path, services.holder, services.metrics, on_installed=freeze_long_lived
        )
    reporter: UsageReporter | None = None
    if registry is not None and services.usage is not None:
        usage = config.usage_reporting
        token = resolve_token(usage.token, usage.token_env)
        client = registry.client
        if token is not None:
            client = RegistryClient(registry.config.url, token, timeout=usage.timeout)
        reporter = UsageReporter(usage, services.usage, client, services.metrics)
    endpoint = GraphQLEndpoint(services)
    draining = Draining()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop_listening = listen_for_shutdown(services.end_subscriptions)
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        if source is not None:
            source.load()
            if config.supergraph.watch:
                tasks.append(
                    asyncio.create_task(source.watch(stop, force_polling=watch_force_polling))
                )
        if registry is not None:
            await registry.start()
            tasks.append(asyncio.create_task(registry.follow(stop)))
        if reporter is not None:
            tasks.append(asyncio.create_task(reporter.run(stop)))
        try:
            yield
        finally:
            stop_listening()
            stop.set()
            if reporter is not None:  # its last flush, within the reporter's timeout
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.shield(tasks[-1]), config.usage_reporting.timeout
                    )
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if registry is not None:
                if reporter is not None and reporter.client is not registry.client:
                    await reporter.client.aclose()
                await registry.aclose()
            await services.aclose()

    async def health(_request: Request) -> Response:
        return Response(b'{"status":"pass"}', media_type="application/json")

    async def ready(_request: Request) -> Response:
        if draining.active:
            return Response(
                b'{"status":"fail","reason":"shutting down"}',
                status_code=503,
                media_type="application/json",
            )
        current = services.holder.current
        if current is None:
            return Response(
                b'{"status":"fail","reason":"no supergraph loaded"}',
                status_code=503,
                media_type="application/json",
            )
        body: dict[str, object] = {
            "status": "pass",
            "generation": current.generation,
            "supergraph": current.digest[:12],
            "subgraphs": sorted(current.supergraph.subgraphs),
        }
        if registry is not None:
            body["registry_version"] = registry.version
        return Response(orjson.dumps(body), media_type="application/json")

    async def metrics(_request: Request) -> Response:
        payload, content_type = services.metrics.exposition()
        return Response(payload, media_type=content_type)

    server = config.server
    routes: list[Route | Mount | WebSocketRoute] = [
        Route(server.graphql_path, endpoint.handle, methods=["GET", "POST"]),
        Route(server.health_path, health, methods=["GET"]),
        Route(server.ready_path, ready, methods=["GET"]),
    ]
    if config.subscriptions.enabled and services.subscription_connections is not None:
        websocket = GraphQLWebSocket(services, services.subscription_connections)
        routes.append(WebSocketRoute(config.subscriptions.websocket_path, websocket.handle))
    invalidation = config.entity_cache.invalidation
    if services.entity_store is not None and invalidation.enabled:
        endpoint_ = InvalidationEndpoint(services.entity_store, invalidation)
        routes.append(Route(invalidation.path, endpoint_.handle, methods=["POST"]))
    if config.telemetry.metrics.enabled:
        routes.append(Route(config.telemetry.metrics.path, metrics, methods=["GET"]))
    if server.graphiql:
        routes.append(Mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static"))
    app = Starlette(
        routes=routes, middleware=_middleware(config), lifespan=draining.around(lifespan)
    )
    app.state.draining = draining
    app.state.services = services
    app.state.supergraph_file = source
    app.state.registry_source = registry
    app.state.usage_reporter = reporter
    return app


def build_services(
    config: RouterConfig,
    transports_override: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> RouterServices:
    identity = IdentityForwarding.from_config(config.authentication, os.environ)
    jwt_config = config.authentication.jwt
    if (
        jwt_config is None
        and config.rate_limit.enabled
        and config.rate_limit.key.source == "jwt_claim"
    ):
        logger.warning(
            "rate_limit.key.source is jwt_claim but authentication.jwt is not configured: "
            "every client is limited by its IP address"
        )
    metrics = RouterMetrics()
    tracing = RouterTracing(config.telemetry)
    hooks = load_hooks(config.hooks)
    observer = ServerFetchObserver(metrics, tracing, hooks)
    rules = limit_rules(config.limits)
    entity_cache = EntityCacheSetup.from_config(config.entity_cache)
    if entity_cache is not None:
        metrics.registry.register(EntityCacheCollector(entity_cache.stats))
    traffic, traffic_by_subgraph = config.traffic_shaping.policies()
    demand = config.demand_control
    cost_metrics = CostMetrics(metrics.registry) if demand.enabled else None

    def build_guard(supergraph: Supergraph) -> CostGuard:
        return CostGuard(supergraph, demand, cost_metrics)

    instances = _instance_directory(config, traffic, traffic_by_subgraph, metrics)
    usage = (
        UsageRecorder(config.usage_reporting.max_operations)
        if config.usage_reporting.enabled
        else None
    )

    def build_gateway(supergraph: Supergraph) -> Gateway:
        options = GatewayOptions(
            subgraph_timeout=config.limits.subgraph_timeout,
            subgraph_timeouts=config.subgraph_timeouts(),
            url_overrides=config.subgraph_url_overrides(),
            plan_cache_size=config.gateway.plan_cache_size,
            planning_budget=config.planning.budget(),
            max_connections_per_subgraph=config.gateway.max_connections_per_subgraph,
            validation_rules=rules,
            max_parser_tokens=config.limits.max_parser_tokens,
            max_validation_ms=config.limits.max_validation_ms,
            introspection=config.server.introspection,
            expose_query_plan=config.query_plan.enabled,
            value_completion=config.errors.value_completion,
            # Network subgraphs: the executor's own pools, which call the observer per fetch.
            fetch_observer=observer,
            subgraph_transports=in_process_transports(transports_override or {}, observer),
            traffic=traffic,
            traffic_by_subgraph=traffic_by_subgraph,
            traffic_listener=metrics,
            authorization=config.authorization.enabled,
            reject_unauthorized=config.authorization.reject_unauthorized,
            operation_guard=build_guard if demand.enabled else None,
            instances=instances,
            usage_recorder=None if usage is None else usage.record,
            subscription_urls=dict(config.subscriptions.subgraph_urls),
            subscription_connect_timeout=config.subscriptions.subgraph_connect_timeout,
            subscription_max_message_bytes=config.subscriptions.max_message_bytes,
            subscription_keepalive_seconds=config.subscriptions.keepalive_seconds,
        )
        if entity_cache is not None:
            options.entity_store = entity_cache.store
            options.entity_cache = entity_cache.options
            options.entity_cache_stats = entity_cache.stats
            options.entity_cache_vary = forwarded_headers
        return Gateway(supergraph, options)

    holder = SchemaHolder(build_gateway, on_retired_closed=freeze_long_lived)
    metrics.set_plan_cache_source(lambda: _plan_cache_stats(holder))
    apq_store: PersistedQueryStore | None = None
    if config.apq.enabled:
        redis = config.apq.redis
        apq_store = (
            RedisQueryStore(redis.url, prefix=redis.prefix, ttl_seconds=redis.ttl_seconds)
            if redis is not None
            else MemoryQueryStore(config.apq.cache_size, config.apq.cache_max_chars)
        )
    graphiql_html = (
        graphiql_page(
            endpoint=config.server.graphql_path,
            query_plan_available=config.query_plan.enabled,
            plan_header=config.query_plan.header,
        )
        if config.server.graphiql
        else None
    )
    return RouterServices(
        config=config,
        holder=holder,
        metrics=metrics,
        tracing=tracing,
        hooks=hooks,
        propagation=HeaderPropagation(config.headers, identity.stripped_headers),
        apq_store=apq_store,
        rate_limiter=ClientRateLimiter(config.rate_limit) if config.rate_limit.enabled else None,
        graphiql_html=graphiql_html,
        entity_store=entity_cache.store if entity_cache is not None else None,
        authenticator=Authenticator(jwt_config) if jwt_config is not None else None,
        identity=identity,
        instances=instances,
        usage=usage,
        subscription_connections=ConnectionLimiter(config.subscriptions.max_connections_per_client),
    )


def _instance_directory(
    config: RouterConfig,
    traffic: SubgraphTraffic,
    traffic_by_subgraph: Mapping[str, SubgraphTraffic],
    metrics: RouterMetrics,
) -> InstanceDirectory | None:
    """The instances of subgraphs: listed by the configuration, or followed from the registry
    (None when neither lists any)."""
    static = config.subgraph_instances()
    if not static and config.supergraph.registry is None:
        return None
    max_connections = config.gateway.max_connections_per_subgraph

    def policy_of(service: str) -> BalancingPolicy:
        return traffic_by_subgraph.get(service, traffic).balancing

    def pool_for(service: str, url: str) -> ConnectionPool:
        return ConnectionPool(
            url,
            BASE_HEADERS,
            max_connections=max_connections,
            limits=traffic_by_subgraph.get(service, traffic).limits,
            on_stale_retry=lambda: metrics.retried(service, "stale_connection"),
        )

    directory = InstanceDirectory(policy_of, pool_for, metrics)
    for service, urls in static.items():
        directory.set_instances(service, [InstanceSpec(url, url) for url in urls])
    return directory


def _plan_cache_stats(holder: SchemaHolder) -> tuple[int, int] | None:
    current = holder.current
    if current is None:
        return None
    cache = current.gateway.cache
    return cache.hits, cache.misses


def _middleware(config: RouterConfig) -> list[Middleware]:
    cors = config.cors
    if not cors.allow_origins and cors.allow_origin_regex is None:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(cors.allow_origins),
            allow_origin_regex=cors.allow_origin_regex,
            allow_credentials=cors.allow_credentials,
            allow_headers=list(cors.allow_headers),
            allow_methods=list(cors.allow_methods),
            expose_headers=list(cors.expose_headers),
            max_age=cors.max_age,
        )
    ]
