"""fedra's router, run on the live fixture subgraphs, answers what @apollo/gateway answered.

Every recorded operation of the conformance corpus goes through `router.gateway.Gateway` twice:
with the fixture's own Apollo-composed supergraph, and with the supergraph fedra's composer
(`router.compose`) makes from the same subgraphs; each response must conform
(tests/conformance/compare.py) to the recording. Deliberate differences are listed in `DELIBERATE_DIFFERENCES` with a reason and
the weaker comparison they are still held to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from router.compose import SubgraphSource, compose
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph import read_supergraph

from .compare import comparable_response, response_differences
from .corpus import Case, iter_cases, running_fixture
from .fixture import Fixture, placeholder_url

Pipeline = Literal["apollo-composed", "fedra-composed"]
PIPELINES: tuple[Pipeline, ...] = ("apollo-composed", "fedra-composed")

ComparisonMode = Literal["paths", "codes", "located-nulls"]
"""How a deliberately different answer is still held to the recording. Both demand the same
`data`; "paths" then the same multiset of error paths, "codes" the same multiset of
(path, extensions.code) pairs: only the messages (and, for "paths", the codes) may differ.
"located-nulls" is "paths" after setting aside the router's own located null errors
("Cannot return null for non-nullable field …", code INVALID_GRAPHQL)."""


@dataclass(frozen=True)
class DeliberateDifference:
    mode: ComparisonMode
    reason: str


_TRANSPORT_FAILURE = DeliberateDifference(
    "paths",
    "A subgraph request that fails at the HTTP level (status 500, a body that is not JSON, "
    "connection refused, timeout) is reported by @apollo/gateway as INTERNAL_SERVER_ERROR with "
    "Node fetch's own text (e.g. 'request to http://... failed, reason: connect ECONNREFUSED'). "
    "fedra reports SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE or SUBREQUEST_TIMEOUT "
    "with a message naming the subgraph, as Apollo Router does; data and error paths agree.",
)

_LOCATED_NULLS = DeliberateDifference(
    "located-nulls",
    "When a subgraph cannot be reached, @apollo/gateway answers only the transport error, with "
    "no path, and drops its own null-propagation errors. fedra also reports, at its path, the "
    "non-null field that became null because of it (as a single GraphQL server would), so a "
    "client can tell which part of its selection is missing. Beside that, data and error paths "
    "agree (the transport error itself differs in wording as above).",
)

# "<fixture>/<operation>": why our answer deliberately differs from @apollo/gateway's, and how
# it is still compared.
DELIBERATE_DIFFERENCES: dict[str, DeliberateDifference] = {
    "subgraph-failures/http-500": _TRANSPORT_FAILURE,
    "subgraph-failures/invalid-json": _TRANSPORT_FAILURE,
    "subgraph-failures/root-fields-partial": _TRANSPORT_FAILURE,
    "subgraph-failures/subgraph-down": _TRANSPORT_FAILURE,
    "subgraph-failures/timeout": _TRANSPORT_FAILURE,
    "override-from-unavailable-subgraph/needs-the-unavailable-subgraph": _LOCATED_NULLS,
    "override-from-unavailable-subgraph/root-field-of-the-unavailable-subgraph": _LOCATED_NULLS,
}


# "<fixture>/<operation>": a case fedra's planner answers wrongly today, and why. The case is
# an expected failure; once it conforms, the test fails until its entry is dropped.
KNOWN_PLANNER_GAPS: dict[str, str] = {}


_GRAPHQL_CORE_MESSAGES = {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}


def _same_quotes(response: dict[str, Any]) -> dict[str, Any]:
    """Validation and syntax messages come from graphql-core, which quotes names with ' where
    graphql-js (inside @apollo/gateway) uses ": the one deliberate difference applied to every
    case, and only to those errors; every other message must be equal."""
    errors = response.get("errors")
    if not errors:
        return response
    return {**response, "errors": [_double_quoted(error) for error in errors]}


def _double_quoted(error: dict[str, Any]) -> dict[str, Any]:
    if (error.get("extensions") or {}).get("code") not in _GRAPHQL_CORE_MESSAGES:
        return error
    return {**error, "message": str(error.get("message", "")).replace("'", '"')}


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


_FEDRA_SUPERGRAPHS: dict[Path, str] = {}


def fedra_supergraph_sdl(fixture_dir: Path) -> str:
    """The fixture's subgraphs composed by fedra's own composer (once per fixture)."""
    cached = _FEDRA_SUPERGRAPHS.get(fixture_dir)
    if cached is None:
        sources = [
            SubgraphSource(
                name=path.stem,
                url=placeholder_url(path.stem),
                sdl=path.read_text(encoding="utf-8"),
                path=str(path),
            )
            for path in Fixture(fixture_dir).subgraph_sdl_paths()
        ]
        result = compose(sources)
        assert result.supergraph_sdl is not None, (
            f"fedra cannot compose {fixture_dir.name}: "
            + "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        )
        cached = result.supergraph_sdl
        _FEDRA_SUPERGRAPHS[fixture_dir] = cached
    return cached


async def _execute(
    case: Case, urls: dict[str, str], pipeline: Pipeline = "apollo-composed"
) -> dict[str, Any]:
    options = GatewayOptions(url_overrides=urls)
    if case.subgraph_timeout_ms is not None:
        timeout = case.subgraph_timeout_ms / 1000
        if case.timeout_subgraphs is None:
            options.subgraph_timeout = timeout
        else:
            options.subgraph_timeouts = dict.fromkeys(case.timeout_subgraphs, timeout)
    sdl = (
        case.supergraph_sdl
        if pipeline == "apollo-composed"
        else fedra_supergraph_sdl(case.fixture_dir)
    )
    gateway = Gateway(read_supergraph(sdl), options)
    try:
        return await gateway.execute(
            GraphQLRequest(
                query=case.query, operation_name=case.operation_name, variables=case.variables
            ),
            subgraph_headers=case.headers,
        )
    finally:
        await gateway.aclose()


def weaker_differences(
    actual: dict[str, Any], expected: dict[str, Any], mode: ComparisonMode
) -> list[str]:
    """Differences that matter in ``mode``: data, then error paths (and codes for "codes")."""
    left, right = comparable_response(actual), comparable_response(expected)
    differences: list[str] = []
    if left.get("data", ...) != right.get("data", ...):
        differences.append(f"data: {left.get('data')!r}\n  expected {right.get('data')!r}")

    def keys(response: dict[str, Any]) -> Counter[tuple[Any, ...]]:
        errors = response["errors"]
        if mode == "located-nulls" and response is left:
            errors = [
                e
                for e in errors
                if not (
                    e.code == "INVALID_GRAPHQL"
                    and e.message.startswith("Cannot return null for non-nullable field")
                )
            ]
        if mode in ("paths", "located-nulls"):
            return Counter((error.path,) for error in errors)
        return Counter((error.path, error.code) for error in response["errors"])

    if keys(left) != keys(right):
        differences.append(
            f"errors ({mode}): {sorted(keys(left).elements(), key=repr)!r}\n"
            f"  expected {sorted(keys(right).elements(), key=repr)!r}"
        )
    return differences


def test_deliberate_differences_name_cases_and_give_reasons() -> None:
    case_ids = {case.id for case in _CASES}
    for case_id, difference in DELIBERATE_DIFFERENCES.items():
        assert case_id in case_ids, f"{case_id} is not a case of the corpus"
        assert difference.mode in ("paths", "codes", "located-nulls")
        assert difference.reason.strip(), f"{case_id} needs a reason"
    for case_id, reason in KNOWN_PLANNER_GAPS.items():
        assert case_id in case_ids, f"{case_id} is not a case of the corpus"
        assert reason.strip(), f"{case_id} needs a reason"


def test_weaker_comparison_still_compares() -> None:
    error = {"message": "a", "path": ["x"], "extensions": {"code": "A"}}
    recorded = {"data": {"x": None}, "errors": [error]}
    reworded = {"data": {"x": None}, "errors": [{**error, "message": "b"}]}
    recoded = {"data": {"x": None}, "errors": [{**error, "extensions": {"code": "B"}}]}
    moved = {"data": {"x": None}, "errors": [{**error, "path": ["y"]}]}
    other_data = {"data": {"x": 1}, "errors": [error]}
    assert weaker_differences(reworded, recorded, "codes") == []
    assert weaker_differences(recoded, recorded, "paths") == []
    assert weaker_differences(recoded, recorded, "codes")
    assert weaker_differences(moved, recorded, "paths")
    assert weaker_differences(other_data, recorded, "paths")
    assert weaker_differences({"errors": [error]}, recorded, "paths")


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("case", _CASES, ids=[case.id for case in _CASES])
async def test_router_conforms(
    case: Case, pipeline: Pipeline, fixture_urls: dict[Path, dict[str, str]]
) -> None:
    response = await _execute(case, fixture_urls[case.fixture_dir], pipeline)
    actual, expected = _same_quotes(response), _same_quotes(case.expected)
    differences = response_differences(actual, expected)
    deliberate = DELIBERATE_DIFFERENCES.get(case.id)
    if deliberate is not None:
        assert differences, f"{case.id} now matches the recording: drop its deliberate difference"
        differences = weaker_differences(actual, expected, deliberate.mode)
        assert not differences, f"beyond the deliberate difference ({deliberate.reason}):\n" + (
            "\n".join(differences)
        )
        return
    gap = KNOWN_PLANNER_GAPS.get(case.id)
    if gap is not None:
        assert differences, f"{case.id} now conforms: drop it from KNOWN_PLANNER_GAPS"
        pytest.xfail(gap)
    assert not differences, "\n".join(differences)


def test_located_nulls_sets_aside_only_the_routers_own_null_errors() -> None:
    failure = {"message": "down", "extensions": {"code": "X"}}
    recorded = {"data": {"a": None}, "errors": [failure]}
    null_error = {
        "message": "Cannot return null for non-nullable field A.b.",
        "path": ["a", "b"],
        "extensions": {"code": "INVALID_GRAPHQL"},
    }
    ours = {"data": {"a": None}, "errors": [failure, null_error]}
    other = {"data": {"a": None}, "errors": [failure, {**null_error, "message": "boom"}]}
    assert weaker_differences(ours, recorded, "located-nulls") == []
    assert weaker_differences(other, recorded, "located-nulls") != []
    assert weaker_differences(ours, recorded, "paths") != []
