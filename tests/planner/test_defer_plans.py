"""Plans of operations with ``@defer``: text snapshots, and what each part fetches.

Every operation in ``tests/conformance/fixtures/defer/deferred/`` is planned with its
variables; the printed plan is compared with ``snapshots/defer-deferred/<operation>.plan.txt``
(``FEDRA_UPDATE_SNAPSHOTS=1`` writes them).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse, validate

from router.planner.defer import plan_deferred, plan_deferred_tree
from router.planner.defer_plan import DeferredQueryPlan, print_deferred_plan
from router.planner.plan import FetchNode, FlattenNode, ParallelNode, PlanNode, SequenceNode
from router.supergraph import Supergraph, read_supergraph_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "conformance" / "fixtures" / "defer"
OPERATIONS = sorted((FIXTURE / "deferred").glob("*.graphql"))
SNAPSHOTS = Path(__file__).parent / "snapshots" / "defer-deferred"
UPDATE = os.environ.get("FEDRA_UPDATE_SNAPSHOTS") == "1"
DEFERRED_HEAD = re.compile(r'Deferred\(depends: \[[^\]]*\], (path: "[^"]*"(?:, label: "[^"]*")?)\)')


@pytest.fixture(scope="module")
def supergraph() -> Supergraph:
    return read_supergraph_file(str(FIXTURE / "supergraph.graphql"))


def _plan(
    supergraph: Supergraph, text: str, variables: dict[str, Any] | None = None
) -> DeferredQueryPlan:
    document = parse(text)
    errors = validate(supergraph.api_schema, document)
    assert not errors, errors
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    graph = supergraph.query_planner.query_graph()
    return plan_deferred(supergraph, graph, operation, fragments, variables or {})


def _services(node: PlanNode | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node.service_name]
    if isinstance(node, FlattenNode):
        return _services(node.node)
    if isinstance(node, SequenceNode | ParallelNode):
        return [s for child in node.nodes for s in _services(child)]
    return _services(node.if_clause) + _services(node.else_clause)


@pytest.mark.parametrize("path", OPERATIONS, ids=[p.stem for p in OPERATIONS])
def test_deferred_plan_snapshot(path: Path, supergraph: Supergraph) -> None:
    options_path = path.with_suffix(".json")
    options = json.loads(options_path.read_text()) if options_path.exists() else {}
    plan = _plan(supergraph, path.read_text(encoding="utf-8"), options.get("variables"))
    text = print_deferred_plan(plan) + "\n"
    snapshot = SNAPSHOTS / f"{path.stem}.plan.txt"
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot for {path.stem}; review and write it\n{text}"
    assert text == snapshot.read_text(encoding="utf-8"), f"plan of {path.stem} changed"
    ids = _fetch_ids(plan)
    assert len(ids) == len(set(ids)), "fetch ids are unique across the parts"
    # Apollo's plan (@apollo/query-planner with incrementalDelivery.enableDefer), recorded with
    # apollo_planner.mjs: the same deferred parts (paths, labels), and not fewer fetches. Apollo
    # plans `if: $variable` as a Condition with both plans; ours plans for the request's value.
    apollo = path.with_name(f"{path.stem}.apollo-plan.txt").read_text(encoding="utf-8")
    if plan.deferred:
        assert sorted(DEFERRED_HEAD.findall(text)) == sorted(DEFERRED_HEAD.findall(apollo))
    assert text.count("Fetch(service:") <= apollo.count("Fetch(service:")


def _fetch_ids(plan: DeferredQueryPlan) -> list[str]:
    def ids(node: PlanNode | None) -> list[str]:
        if node is None:
            return []
        if isinstance(node, FetchNode):
            return [node.id or ""]
        if isinstance(node, FlattenNode):
            return ids(node.node)
        if isinstance(node, SequenceNode | ParallelNode):
            return [i for child in node.nodes for i in ids(child)]
        return ids(node.if_clause) + ids(node.else_clause)

    return ids(plan.primary.node) + [i for step in plan.steps() for i in ids(step.node)]


def test_entity_jump_fetches_from_the_other_subgraph_after_the_primary(
    supergraph: Supergraph,
) -> None:
    plan = _plan(supergraph, '{ products { name ... @defer(label: "r") { rating } } }')
    assert _services(plan.primary.node) == ["catalog"]
    (step,) = plan.deferred
    assert (step.label, step.path, step.depends) == ("r", ("products", "@"), ("0",))
    assert _services(step.node) == ["reviews"]
    primary_text = print_deferred_plan(plan)
    assert "rating" not in primary_text.split("Deferred(")[0].split("}:")[1]


def test_fields_the_primary_fetches_anyway_need_no_fetch(supergraph: Supergraph) -> None:
    plan = _plan(supergraph, '{ product(id: "p1") { id name ... @defer { name } } }')
    (step,) = plan.deferred
    assert step.node is None
    assert plan.stats["fetches"] == 1


def test_value_type_fragment_comes_with_the_enclosing_fetch(supergraph: Supergraph) -> None:
    plan = _plan(supergraph, "{ products { details { ... @defer { weight } } } }")
    (step,) = plan.deferred
    assert step.node is None
    assert "weight" in print_deferred_plan(plan).split("Deferred(")[0]  # fetched by the primary


def test_if_false_and_false_variable_do_not_defer(supergraph: Supergraph) -> None:
    literal = _plan(supergraph, "{ products { name ... @defer(if: false) { rating } } }")
    assert literal.deferred == ()
    assert print_deferred_plan(literal).startswith("QueryPlan {\n  Sequence {")
    query = "query Q($d: Boolean!) { products { name ... @defer(if: $d) { rating } } }"
    assert _plan(supergraph, query, {"d": False}).deferred == ()
    assert len(_plan(supergraph, query, {"d": True}).deferred) == 1


def test_nested_defer_depends_on_its_parent_part(supergraph: Supergraph) -> None:
    plan = _plan(
        supergraph,
        '{ product(id: "p1") { ... @defer(label: "a") { reviews { author { '
        '... @defer(label: "b") { name } } } } } }',
    )
    (outer,) = plan.deferred
    (inner,) = outer.children
    assert inner.parent_label == "a"
    assert inner.path == ("product", "reviews", "@", "author")
    assert _services(outer.node) == ["reviews"]
    assert _services(inner.node) == ["accounts"]
    assert set(inner.depends) <= set(_ids(outer.node))


def _ids(node: PlanNode | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node.id or ""]
    if isinstance(node, FlattenNode):
        return _ids(node.node)
    if isinstance(node, SequenceNode | ParallelNode):
        return [i for child in node.nodes for i in _ids(child)]
    return _ids(node.if_clause) + _ids(node.else_clause)


def test_stream_is_declared_for_a_clear_error_not_planned(supergraph: Supergraph) -> None:
    document = parse("{ products @stream { name } }")
    assert validate(supergraph.api_schema, document) == []  # refused later, by name


def test_unknown_argument_of_defer_is_a_validation_error(supergraph: Supergraph) -> None:
    errors: list[GraphQLError] = validate(
        supergraph.api_schema, parse("{ products { ... @defer(when: 1) { name } } }")
    )
    assert errors and "when" in errors[0].message


def test_fedra_plan_prints_the_deferred_plan(capsys: pytest.CaptureFixture[str]) -> None:
    from router.cli import main

    path = FIXTURE / "deferred" / "entity-jump-in-list.graphql"
    code = main(["plan", "--supergraph", str(FIXTURE / "supergraph.graphql"), "-f", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    snapshot = (SNAPSHOTS / "entity-jump-in-list.plan.txt").read_text(encoding="utf-8")
    assert out == snapshot


def test_a_deferred_part_does_not_fetch_the_key_the_enclosing_part_fetched_again(
    supergraph: Supergraph,
) -> None:
    path = FIXTURE / "deferred" / "named-fragment.graphql"
    options = json.loads(path.with_suffix(".json").read_text())
    plan = _plan(supergraph, path.read_text(encoding="utf-8"), options.get("variables"))
    (step,) = plan.deferred
    fetches = _fetch_nodes(step.node)
    assert sorted(f.service_name for f in fetches) == ["catalog", "reviews"]
    for fetch in fetches:
        selected = fetch.operation.split("...on Product", 1)[1]
        assert "__typename" not in selected and "id" not in selected, fetch.operation


def _fetch_nodes(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return _fetch_nodes(node.node)
    if isinstance(node, SequenceNode | ParallelNode):
        return [f for child in node.nodes for f in _fetch_nodes(child)]
    return _fetch_nodes(node.if_clause) + _fetch_nodes(node.else_clause)


def test_defer_if_variable_is_one_plan_with_a_condition(supergraph: Supergraph) -> None:
    path = FIXTURE / "deferred" / "if-variable-true.graphql"
    document = parse(path.read_text(encoding="utf-8"))
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    graph = supergraph.query_planner.query_graph()
    text = print_deferred_plan(plan_deferred_tree(supergraph, graph, operation, {})) + "\n"
    snapshot = SNAPSHOTS / "if-variable-true.condition.plan.txt"
    if UPDATE:
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")
    apollo = path.with_name("if-variable-true.apollo-plan.txt").read_text(encoding="utf-8")
    heads = re.compile(r"^\s*(Condition\(if: \$\w+\) \{|Then \{|\} Else \{|Defer \{)", re.M)
    assert heads.findall(text) == heads.findall(apollo)


def test_fedra_plan_prints_the_condition_of_a_defer_if_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from router.cli import main

    path = FIXTURE / "deferred" / "if-variable-true.graphql"
    code = main(["plan", "--supergraph", str(FIXTURE / "supergraph.graphql"), "-f", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    snapshot = (SNAPSHOTS / "if-variable-true.condition.plan.txt").read_text(encoding="utf-8")
    assert out == snapshot
