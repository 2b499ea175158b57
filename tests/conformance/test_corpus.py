"""The corpus API the router's conformance tests build on."""

from __future__ import annotations

import httpx
import orjson

from .corpus import iter_cases, running_fixture
from .fixture import all_fixtures


def test_every_recorded_operation_is_a_case() -> None:
    cases = iter_cases()
    operations = sum(len(fixture.operations()) for fixture in all_fixtures())
    assert len(cases) == operations
    assert len({case.id for case in cases}) == len(cases)
    assert all(case.supergraph_sdl.startswith("schema") for case in cases)


def test_apollo_deviations_expect_the_correct_answer() -> None:
    differing = [case for case in iter_cases() if case.apollo_differs is not None]
    assert differing, "the corpus documents at least one deviation"
    for case in differing:
        recorded = case.fixture_dir / "operations" / f"{case.op_name}.expected.json"
        assert case.expected != orjson.loads(recorded.read_bytes())


def test_case_options_are_read_from_the_operation_json() -> None:
    case = next(c for c in iter_cases(["mutations-ordered"]) if c.op_name == "with-variables")
    assert case.variables == {"wallet": "w2", "amount": 25}
    failures = iter_cases(["subgraph-failures"])
    assert {c.subgraph_timeout_ms for c in failures} == {1500}


def test_running_fixture_serves_every_subgraph() -> None:
    case = iter_cases(["root-fields-parallel"])[0]
    with running_fixture(case.fixture_dir) as urls:
        assert set(urls) == {"accounts", "products"}
        response = httpx.post(urls["accounts"], json={"query": "{ me { name } }"})
        assert response.json() == {"data": {"me": {"name": "Ada Lovelace"}}}
