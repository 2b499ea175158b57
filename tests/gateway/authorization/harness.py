"""Running authorization cases through a real gateway over the fixture's live subgraphs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph

from .corpus import Case, Composer, supergraph_sdl


class CountingObserver:
    """Counts the fetches of every subgraph (a FetchObserver)."""

    def __init__(self) -> None:
        self.fetches: Counter[str] = Counter()

    async def before_fetch(self, service: str, url: str, headers: dict[str, str]) -> object:
        self.fetches[service] += 1
        return None

    async def after_fetch(
        self, service: str, token: object, status: int | None, seconds: float
    ) -> None:
        return None


def make_gateway(
    case: Case, composer: Composer, urls: dict[str, str], observer: CountingObserver
) -> Gateway:
    options = GatewayOptions(
        url_overrides=urls,
        fetch_observer=observer,
        reject_unauthorized=case.reject_unauthorized,
    )
    return Gateway(read_supergraph(supergraph_sdl(case.fixture_dir, composer)), options)


async def run_case(gateway: Gateway, case: Case) -> dict[str, Any]:
    async def policies(names: frozenset[str]) -> frozenset[str]:
        return case.policies & names

    return await gateway.execute(
        GraphQLRequest(query=case.query, variables=case.variables),
        principal=case.principal,
        policies=policies,
    )
