"""Extension points: plain Python hooks at each stage of a request.

A hook is any object with some of these async methods (``RouterHook`` gives no-op defaults);
list them in the configuration by dotted path (``hooks: [mypackage.hooks:AuditHook]``; a class is
instantiated without arguments, any other object is used as is). Hooks run in the listed order.

- ``on_http_request(context)``: before anything else but the router's own authentication
  (``context.principal`` is the verified caller, or anonymous); return a Starlette ``Response``
  to answer the request directly (e.g. a custom access check), or None to continue.
- ``on_operation(context, request)``: before the operation is parsed and planned; return the
  (possibly rewritten) ``GraphQLRequest``.
- ``on_subgraph_request(context, subgraph, headers)``: before each subgraph fetch; change the
  outgoing ``headers`` in place.
- ``on_subgraph_response(context, subgraph, status, seconds)``: after each subgraph fetch.
- ``on_response(context, response)``: before the response is sent; return the (possibly
  changed) response object. A streamed (``@defer``) response calls it once per payload: the
  initial one (``data``, ``hasNext``), then each incremental one (``incremental``, ``hasNext``).
- ``on_policies(context, principal, policies)``: which of ``policies`` (a frozenset of the
  ``@policy`` names the supergraph uses) the caller ``principal`` satisfies; return them as a
  frozenset. The satisfied sets of several hooks add up; without such a hook no policy holds.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from router.auth.principal import ANONYMOUS, Principal

if TYPE_CHECKING:
    from router.gateway import GraphQLRequest


@dataclass(slots=True)
class RequestContext:
    """What hooks see of one HTTP request; ``state`` is theirs to share data between stages."""

    http_request: Request
    client_key: str | None = None  # the rate limiting key, when rate limiting is on
    trace_id: str | None = None  # the W3C trace id of this request, when tracing is on
    principal: Principal = ANONYMOUS  # the verified caller (authentication), else anonymous
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> Any:
        return self.http_request.headers


class RouterHook:
    async def on_http_request(self, context: RequestContext) -> Response | None:
        return None

    async def on_operation(
        self, context: RequestContext, request: GraphQLRequest
    ) -> GraphQLRequest:
        return request

    async def on_subgraph_request(
        self, context: RequestContext, subgraph: str, headers: dict[str, str]
    ) -> None:
        return None

    async def on_subgraph_response(
        self, context: RequestContext, subgraph: str, status: int | None, seconds: float
    ) -> None:
        return None

    async def on_response(
        self, context: RequestContext, response: dict[str, Any]
    ) -> dict[str, Any]:
        return response

    async def on_policies(
        self, context: RequestContext, principal: Principal, policies: frozenset[str]
    ) -> frozenset[str]:
        return frozenset()


class HookError(Exception):
    """A configured hook cannot be loaded."""


class HookChain:
    """The configured hooks, called stage by stage; stages no hook defines cost nothing."""

    STAGES = (
        "on_http_request",
        "on_operation",
        "on_subgraph_request",
        "on_subgraph_response",
        "on_response",
        "on_policies",
    )

    def __init__(self, hooks: Sequence[object]) -> None:
        self.hooks = tuple(hooks)
        self._by_stage: dict[str, tuple[Any, ...]] = {
            stage: tuple(
                getattr(hook, stage)
                for hook in self.hooks
                if callable(getattr(hook, stage, None))
                and getattr(type(hook), stage, None) is not getattr(RouterHook, stage)
            )
            for stage in self.STAGES
        }

    def has(self, stage: str) -> bool:
        return bool(self._by_stage[stage])

    async def http_request(self, context: RequestContext) -> Response | None:
        for method in self._by_stage["on_http_request"]:
            response = await method(context)
            if response is not None:
                return response  # type: ignore[no-any-return]
        return None

    async def operation(self, context: RequestContext, request: GraphQLRequest) -> GraphQLRequest:
        for method in self._by_stage["on_operation"]:
            request = await method(context, request)
        return request

    async def subgraph_request(
        self, context: RequestContext, subgraph: str, headers: dict[str, str]
    ) -> None:
        for method in self._by_stage["on_subgraph_request"]:
            await method(context, subgraph, headers)

    async def subgraph_response(
        self, context: RequestContext, subgraph: str, status: int | None, seconds: float
    ) -> None:
        for method in self._by_stage["on_subgraph_response"]:
            await method(context, subgraph, status, seconds)

    async def response(self, context: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        for method in self._by_stage["on_response"]:
            response = await method(context, response)
        return response

    async def policies(
        self, context: RequestContext, principal: Principal, policies: frozenset[str]
    ) -> frozenset[str]:
        satisfied: set[str] = set()
        for method in self._by_stage["on_policies"]:
            satisfied.update(await method(context, principal, policies))
        return frozenset(satisfied) & policies


def load_hook(path: str) -> object:
    module_name, separator, attribute = path.partition(":")
    if not separator:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise HookError(f"hook '{path}': expected 'package.module:Name' or 'package.module.Name'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise HookError(f"hook '{path}': cannot import {module_name}: {error}") from None
    try:
        target = getattr(module, attribute)
    except AttributeError:
        raise HookError(f"hook '{path}': {module_name} has no attribute {attribute}") from None
    if isinstance(target, type):
        try:
            return target()
        except TypeError as error:
            raise HookError(f"hook '{path}': cannot instantiate {attribute}: {error}") from None
    return target


def load_hooks(paths: Sequence[str]) -> HookChain:
    return HookChain([load_hook(path) for path in paths])
