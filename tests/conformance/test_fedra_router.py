"""fedra's router, run on the live fixture subgraphs, answers what @apollo/gateway answered.

Every recorded operation of the conformance corpus goes through `router.gateway.Gateway` with the
fixture's own Apollo-composed supergraph; the response must conform (tests/conformance/compare.py)
to the recording. Deliberate differences are listed in `DELIBERATE_DIFFERENCES` with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph import read_supergraph

from .compare import response_differences
from .corpus import Case, iter_cases, running_fixture

# "<fixture>/<operation>": why our answer deliberately differs from @apollo/gateway's.
DELIBERATE_DIFFERENCES: dict[str, str] = {}


def _same_quotes(response: dict[str, Any]) -> dict[str, Any]:
    """Validation messages come from graphql-core, which quotes names with ' where graphql-js
    (inside @apollo/gateway) uses ": the one deliberate difference applied to every case."""
    errors = response.get("errors")
    if not errors:
        return response
    return {
        **response,
        "errors": [{**e, "message": str(e.get("message", "")).replace("'", '"')} for e in errors],
    }


_CASES = iter_cases()


@pytest.fixture(scope="module")
def fixture_urls() -> Iterator[dict[Path, dict[str, str]]]:
    """Subgraphs of each fixture, started on first use and kept for the module."""
    started: dict[Path, dict[str, str]] = {}
    with ExitStack() as stack:

        class _Lazy(dict[Path, dict[str, str]]):
            def __missing__(self, key: Path) -> dict[str, str]:
                started[key] = stack.enter_context(running_fixture(key))
                return started[key]

        yield _Lazy()


async def _execute(case: Case, urls: dict[str, str]) -> dict[str, Any]:
    options = GatewayOptions(url_overrides=urls)
    if case.subgraph_timeout_ms is not None:
        options.subgraph_timeout = case.subgraph_timeout_ms / 1000
    gateway = Gateway(read_supergraph(case.supergraph_sdl), options)
    try:
        return await gateway.execute(
            GraphQLRequest(
                query=case.query, operation_name=case.operation_name, variables=case.variables
            ),
            subgraph_headers=case.headers,
        )
    finally:
        await gateway.aclose()


@pytest.mark.parametrize("case", _CASES, ids=[case.id for case in _CASES])
async def test_router_conforms(case: Case, fixture_urls: dict[Path, dict[str, str]]) -> None:
    response = await _execute(case, fixture_urls[case.fixture_dir])
    differences = response_differences(_same_quotes(response), _same_quotes(case.expected))
    reason = DELIBERATE_DIFFERENCES.get(case.id)
    if reason is not None:
        assert differences, f"{case.id} now matches the recording: drop its deliberate difference"
        return
    assert not differences, "\n".join(differences)
