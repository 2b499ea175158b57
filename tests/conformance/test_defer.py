"""``@defer`` against the corpus: fixture ``defer`` holds, in ``deferred/``, operations with
``@defer``; each has a twin in ``operations/`` (the same operation without ``@defer``) whose
answer @apollo/gateway recorded (@apollo/gateway cannot execute ``@defer`` itself).

For each deferred operation, run by fedra on the live fixture subgraphs:

- the incremental payloads merged equal @apollo/gateway's answer to the twin (and fedra's own
  non-incremental answer to the deferred operation, which ignores ``@defer``);
- the initial payload holds only the fields outside deferred fragments;
- the payloads are well formed: ``hasNext`` true until the last, items with a path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    REMOVE,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NameNode,
    SelectionSetNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from router.executor.incremental import merge_incremental
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph import read_supergraph

from .compare import response_differences
from .corpus import Case, iter_cases, running_fixture

FIXTURE = Path(__file__).parent / "fixtures" / "defer"
DEFERRED = sorted((FIXTURE / "deferred").glob("*.graphql"))

# What the initial payload holds: the data outside deferred fragments.
INITIAL_DATA: dict[str, Any] = {
    "already-fetched": {
        "products": [
            {"id": "p1", "name": "Lamp"},
            {"id": "p2", "name": "Desk"},
            {"id": "p3", "name": "Chair"},
        ]
    },
    "entity-jump-in-list": {
        "products": [
            {"id": "p1", "name": "Lamp"},
            {"id": "p2", "name": "Desk"},
            {"id": "p3", "name": "Chair"},
        ]
    },
    "errors-in-part": {"product": {"name": "Lamp"}},
    "if-variable-true": {"products": [{"name": "Lamp"}, {"name": "Desk"}, {"name": "Chair"}]},
    "named-fragment": {"shop": {"featured": {"name": "Chair"}}},
    "nested": {"product": {"name": "Lamp"}},
    "null-in-part": {"products": [{"name": "Lamp"}, {"name": "Desk"}, {"name": "Chair"}]},
    "root-fields": {"shop": {"name": "Corner shop"}},
    "same-subgraph": {"product": {"name": "Lamp"}},
    "value-type": {
        "products": [
            {"name": "Lamp", "details": {}},
            {"name": "Desk", "details": {}},
            {"name": "Chair", "details": {}},
        ]
    },
}
# Operations whose fragments are all not deferred (if: false): one response, as without @defer.
NOT_DEFERRED = {"if-false"}
# A deferred part's null stops at the part (the spec's defer boundary), where without @defer it
# propagates further: the merged answer differs from Apollo's there, by design.
NULL_STOPS_AT_PART = {"null-in-part"}


class _StripDefer(Visitor):
    def enter_directive(self, node: Any, *_: Any) -> Any:
        return REMOVE if node.name.value == "defer" else None


def _options(path: Path) -> dict[str, Any]:
    json_path = path.with_suffix(".json")
    return orjson.loads(json_path.read_bytes()) if json_path.exists() else {}


def _request(path: Path) -> GraphQLRequest:
    options = _options(path)
    return GraphQLRequest(
        query=path.read_text(encoding="utf-8"),
        operation_name=options.get("operationName"),
        variables=options.get("variables"),
    )


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    with running_fixture(FIXTURE) as started:
        yield started


def test_every_deferred_operation_has_its_recorded_twin() -> None:
    assert DEFERRED
    for path in DEFERRED:
        twin = FIXTURE / "operations" / path.name
        assert twin.exists(), f"{path.name}: no operation without @defer"
        stripped = visit(parse(path.read_text(encoding="utf-8")), _StripDefer())
        assert print_ast(stripped) == print_ast(parse(twin.read_text(encoding="utf-8")))
        assert twin.with_name(f"{path.stem}.expected.json").exists()
        assert path.stem in INITIAL_DATA or path.stem in NOT_DEFERRED


async def _collect(stream: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [payload async for payload in stream]


@pytest.mark.parametrize("path", DEFERRED, ids=[p.stem for p in DEFERRED])
async def test_deferred_operation(path: Path, urls: dict[str, str]) -> None:
    supergraph = read_supergraph((FIXTURE / "supergraph.graphql").read_text(encoding="utf-8"))
    gateway = Gateway(supergraph, GatewayOptions(url_overrides=urls))
    try:
        result = await gateway.execute_incremental(_request(path))
        whole = await gateway.execute(_request(path))
    finally:
        pass
    try:
        expected = orjson.loads(
            (FIXTURE / "operations" / f"{path.stem}.expected.json").read_bytes()
        )
        assert response_differences(whole, expected) == [], "defer ignored: as without it"
        if path.stem in NOT_DEFERRED:
            assert isinstance(result, dict), "nothing deferred: one response"
            assert response_differences(result, expected) == []
            return
        assert not isinstance(result, dict), "deferred fragments: incremental payloads"
        payloads = await _collect(result)
        assert len(payloads) >= 2
        assert payloads[0]["hasNext"] is True
        assert all(p["hasNext"] is True for p in payloads[:-1])
        assert payloads[-1]["hasNext"] is False
        for payload in payloads[1:]:
            assert "data" not in payload
            for item in payload.get("incremental", ()):
                assert isinstance(item["path"], list)
        assert payloads[0]["data"] == INITIAL_DATA[path.stem]
        merged = merge_incremental(payloads)
        if path.stem in NULL_STOPS_AT_PART:
            return
        assert response_differences(merged, expected) == []
    finally:
        await gateway.aclose()


class _DeferEverySelection(Visitor):
    """Every field's selection moved into a deferred fragment (deferred parts nested as deep
    as the operation)."""

    def leave_field(self, node: FieldNode, *_: Any) -> FieldNode | None:
        if node.selection_set is None:
            return None
        deferred = InlineFragmentNode(
            directives=(DirectiveNode(name=NameNode(value="defer"), arguments=()),),
            selection_set=node.selection_set,
        )
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=SelectionSetNode(selections=(deferred,)),
        )


_CORPUS = [
    case
    for case in iter_cases()
    if "errors" not in case.expected and case.expected.get("data") is not None
]


_BY_KEY_ONLY = (
    "a subgraph of this fixture returns the entity from a field but has no reference resolver "
    "for it: an entity fetch by key (what a deferred fragment on an entity makes, as Apollo "
    "plans it too) gets only the key back"
)
_AFTER_MUTATIONS = (
    "deferred fields of a mutation's results are read after every mutation of the operation "
    "ran, so they show the state after the last one"
)
_PROVIDED = (
    "the fixture's @provides values differ from the owning subgraph's by design; a deferred "
    "entity fetch reads the owner's"
)
# Where deferring every selection cannot give the recorded answer, and why.
DEFERRED_EVERYWHERE_DIFFERS = {
    "colliding-graph-names/all-three": _BY_KEY_ONLY,
    "header-propagation/forwarded": _BY_KEY_ONLY,
    "header-propagation/no-headers": _BY_KEY_ONLY,
    "introspection-with-data/type-and-data": _BY_KEY_ONLY,
    "introspection-with-data/typename-on-root": _BY_KEY_ONLY,
    "skip-include/both-directives": _BY_KEY_ONLY,
    "skip-include/literals-and-fragments": _BY_KEY_ONLY,
    "skip-include/variable-conditions": _BY_KEY_ONLY,
    "skip-include/variable-conditions-inverse": _BY_KEY_ONLY,
    "unusual-graph-names/three-hops": _BY_KEY_ONLY,
    "mutations-ordered/interleaved": _AFTER_MUTATIONS,
    "mutations-ordered/same-subgraph-sequence": _AFTER_MUTATIONS,
    "mutations-ordered/with-variables": _AFTER_MUTATIONS,
    "provides-nested/provided-and-not": _PROVIDED,
    "provides-nested/provided-only": _PROVIDED,
}


@pytest.fixture(scope="module")
def corpus_urls() -> Iterator[dict[Path, dict[str, str]]]:
    with ExitStack() as stack:

        class _Lazy(dict[Path, dict[str, str]]):
            def __missing__(self, key: Path) -> dict[str, str]:
                self[key] = stack.enter_context(running_fixture(key))
                return self[key]

        yield _Lazy()


@pytest.mark.parametrize("case", _CORPUS, ids=[case.id for case in _CORPUS])
async def test_corpus_operation_deferred_everywhere(
    case: Case, corpus_urls: dict[Path, dict[str, str]]
) -> None:
    """Every corpus operation answered without errors, with each field's selection deferred:
    the payloads merged are the answer @apollo/gateway recorded."""
    urls = corpus_urls[case.fixture_dir]
    options = GatewayOptions(url_overrides=urls)
    gateway = Gateway(read_supergraph(case.supergraph_sdl), options)
    query = print_ast(visit(parse(case.query), _DeferEverySelection()))
    request = GraphQLRequest(
        query=query, operation_name=case.operation_name, variables=case.variables
    )
    try:
        result = await gateway.execute_incremental(request, subgraph_headers=case.headers)
        if isinstance(result, dict):  # nothing to defer (root fields of leaves only)
            merged = result
        else:
            payloads = await _collect(result)
            assert payloads[-1]["hasNext"] is False
            merged = merge_incremental(payloads)
        differences = response_differences(merged, case.expected)
        if case.id in DEFERRED_EVERYWHERE_DIFFERS:
            assert differences, f"{case.id} now conforms: remove it from the exceptions"
            return
        assert differences == [], query
    finally:
        await gateway.aclose()
