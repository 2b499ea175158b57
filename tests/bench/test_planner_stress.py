"""The planner stress generator: its supergraphs compose without errors under fedra's composer,
the same arguments give the same SDL, and the operations plan within the budget (small sizes)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from graphql import parse, validate

from bench.planner_stress.__main__ import main
from bench.planner_stress.cases import QUICK_CASES, StressCase
from bench.planner_stress.generate import entity_mesh, key_chain
from bench.planner_stress.measure import build_supergraph
from router.compose.api import compose
from router.planner import PlanningBudget, plan_operation


@pytest.mark.parametrize("case", QUICK_CASES, ids=[case.name for case in QUICK_CASES])
def test_quick_cases_compose_and_their_operations_plan(case: StressCase) -> None:
    graph = case.build()
    result = compose(list(graph.sources))
    assert result.errors == []
    assert result.ok and result.supergraph is not None
    for name, text in graph.operations.items():
        document = parse(text)
        assert validate(result.supergraph.api_schema, document) == [], name
        plan = plan_operation(result.supergraph, document, budget=PlanningBudget())
        assert plan.stats["fetches"] >= 1
        assert plan.stats["options_explored"] >= 1


def test_mesh_is_deterministic_and_seeded() -> None:
    def build(seed: int) -> list[str]:
        graph = entity_mesh(
            "m", subgraphs=8, entities=3, owners=3, shared_fields=2, second_key_share=0.5, seed=seed
        )
        return [source.sdl for source in graph.sources]

    assert build(3) == build(3)
    assert build(3) != build(4)


def test_mesh_has_every_shape_it_promises() -> None:
    graph = entity_mesh(
        "m", subgraphs=9, entities=3, owners=4, shared_fields=2, second_key_share=0.5, seed=11
    )
    assert len(graph.sources) == 9
    assert all("type T" in source.sdl for source in graph.sources)  # every subgraph owns one
    sdl = "\n".join(source.sdl for source in graph.sources)
    assert sdl.count("shared0: String @shareable") >= 3 * 4
    assert '@key(fields: "sku")' in sdl
    supergraph, _, _ = build_supergraph(graph)
    deep = graph.operations["deep-all-fields"]
    assert deep.count("child {") == 2
    plan = plan_operation(supergraph, parse(deep), budget=PlanningBudget())
    # Three levels of entities spread over several subgraphs each: more than one fetch a level.
    assert plan.stats["fetches"] > 3


def test_key_chain_needs_one_jump_per_subgraph() -> None:
    length = 5
    graph = key_chain("c", length=length)
    supergraph, _, _ = build_supergraph(graph)
    plan = plan_operation(
        supergraph, parse(graph.operations["chain-far-end"]), budget=PlanningBudget()
    )
    assert plan.stats["fetches"] == length


def test_quick_run_writes_its_figures(tmp_path: Path) -> None:
    assert main(["--quick", "--results-dir", str(tmp_path), "--write-baseline"]) == 0
    baseline = orjson.loads((tmp_path / "planner-stress-baseline.json").read_bytes())
    names = [case["name"] for case in baseline["cases"]]
    assert names == [case.name for case in QUICK_CASES]
    for case in baseline["cases"]:
        assert case["compose_ms"] > 0
        for operation in case["operations"]:
            assert operation["status"] == "ok"
            assert operation["planning_ms_max"] >= operation["planning_ms_p50"] > 0
            assert operation["fetches"] >= 1
    assert len(list(tmp_path.glob("*-planner-stress-*-quick.md"))) == 1
