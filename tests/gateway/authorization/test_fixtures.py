"""Every authorization case, against the supergraph of both composers, over live subgraphs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conformance.servers import serve_subgraphs

from .corpus import COMPOSERS, Case, Composer, all_cases, subgraph_specs
from .harness import CountingObserver, make_gateway, run_case

CASES = all_cases()


@pytest.fixture(scope="module")
def fixture_urls() -> Iterator[dict[Path, dict[str, str]]]:
    """The subgraphs of each fixture, started on first use and kept for the module."""
    with ExitStack() as stack:

        class _Lazy(dict[Path, dict[str, str]]):
            def __missing__(self, key: Path) -> dict[str, str]:
                self[key] = stack.enter_context(serve_subgraphs(subgraph_specs(key)))
                return self[key]

        yield _Lazy()


def test_every_case_has_an_expectation() -> None:
    assert CASES
    missing = [case.id for case in CASES if not case.expected]
    assert not missing, f"cases without .expected.json: {missing}"


@pytest.mark.parametrize("composer", COMPOSERS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_case(
    case: Case, composer: Composer, fixture_urls: dict[Path, dict[str, str]]
) -> None:
    observer = CountingObserver()
    gateway = make_gateway(case, composer, fixture_urls[case.fixture_dir], observer)
    try:
        response = await run_case(gateway, case)
    finally:
        await gateway.aclose()
    assert response == case.expected["response"]
    assert dict(observer.fetches) == case.expected["fetches"]
