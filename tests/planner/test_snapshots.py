"""Plan snapshots: the benchmark query and every conformance operation.

Each plan's text is compared with ``snapshots/<fixture>/<operation>.plan.txt``
(``FEDRA_UPDATE_SNAPSHOTS=1`` writes them; without it a missing snapshot fails). Where Apollo's recorded plan exists, ours must not
need more fetches, nor (with as many fetches) a longer chain of sequential fetches.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from graphql import GraphQLError, parse, validate

from router.planner import PlanningError, plan_operation, print_plan
from router.supergraph import Supergraph, read_supergraph_file
from tests.planner.plan_checker import check_plan
from tests.planner.plan_shape import PlanShape, shape_of, shape_of_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "conformance" / "fixtures"
BENCH_IN_REPO = ROOT / "bench" / "workload"
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("FEDRA_UPDATE_SNAPSHOTS") == "1"

# Where our plan differs in shape from Apollo's recorded one, and why (ours is never worse).
# Apollo has no multi-path fetch: where ours merges entity fetches into one subgraph at one depth
# of the plan into one request, ours has fewer fetches at the same depth, by design.
MULTI_PATH = "Flatten(paths: ["
KNOWN_DIFFERENCES = {
    "federation-1/classic-demo": "one inventory fetch for inStock and shippingEstimate, not two",
    "requires-chain/all-layers": "priceCents joins the checkout fetch that runs after shipping",
    "interface-reachability/requires-from-another-interface-object": (
        "tool's shipping and bulky come from one shipping fetch after volumes, not two"
    ),
}

# Where Apollo's recorded plan is wrong, so fewer fetches there prove nothing.
APOLLO_INCORRECT = {
    "requires-basic/field-arguments": (
        "shippingQuote requires weight(unit: LB), shippingEstimate weight(unit: KG): one "
        "representation cannot carry both, Apollo sends KG to both; ours fetches each apart"
    ),
}


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # "<fixture>/<operation>"
    supergraph: Path
    operation: Path
    apollo_plan: Path | None


def _bench_case() -> list[Case]:
    return [
        Case(
            "bench/TestQuery",
            BENCH_IN_REPO / "supergraph.graphql",
            BENCH_IN_REPO / "query.graphql",
            # Apollo's plan, recorded with apollo_planner.mjs (@apollo/query-planner).
            _existing(Path(__file__).parent / "apollo" / "bench-TestQuery.apollo-plan.txt"),
        )
    ]


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def _fixture_cases() -> list[Case]:
    cases: list[Case] = []
    for supergraph in sorted(FIXTURES.glob("*/supergraph.graphql")):
        fixture = supergraph.parent
        for operation in sorted((fixture / "operations").glob("*.graphql")):
            stem = operation.name.removesuffix(".graphql")
            cases.append(
                Case(
                    f"{fixture.name}/{stem}",
                    supergraph,
                    operation,
                    _existing(operation.with_name(f"{stem}.apollo-plan.txt")),
                )
            )
    return cases


CASES = _bench_case() + _fixture_cases()
_supergraphs: dict[Path, Supergraph] = {}


def _supergraph(path: Path) -> Supergraph:
    if path not in _supergraphs:
        _supergraphs[path] = read_supergraph_file(str(path))
    return _supergraphs[path]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan_snapshot(case: Case) -> None:
    supergraph = _supergraph(case.supergraph)
    apollo_text = case.apollo_plan.read_text(encoding="utf-8") if case.apollo_plan else None
    apollo = shape_of_text(apollo_text) if apollo_text is not None else None
    try:
        document = parse(case.operation.read_text(encoding="utf-8"))
        errors = validate(supergraph.api_schema, document)
        plan = None if errors else plan_operation(supergraph, document, _operation_name(case))
    except (GraphQLError, PlanningError):
        plan = None
    if plan is None:
        # Rejected before or by planning (syntax, validation, which operation): Apollo too.
        assert apollo_text is None or apollo is None, f"{case.name}: Apollo planned it"
        return
    check_plan(plan, document, _operation_name(case), supergraph)
    text = print_plan(plan) + "\n"
    snapshot = SNAPSHOTS / f"{case.name}.plan.txt"
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), (
        f"{case.name}: no snapshot {snapshot.name}; review the plan and write it with "
        f"FEDRA_UPDATE_SNAPSHOTS=1\n{text}"
    )
    assert text == snapshot.read_text(encoding="utf-8"), f"plan of {case.name} changed"
    if apollo is None:
        return
    ours = shape_of(plan.node)
    if case.name in APOLLO_INCORRECT:
        return
    assert ours.not_worse_than(apollo), f"{case.name}: ours {ours} is worse than Apollo's {apollo}"
    if ours != apollo:
        if ours.depth <= apollo.depth and ours.fetches < apollo.fetches and MULTI_PATH in text:
            return  # entity fetches into one subgraph at one depth shared a request
        assert case.name in KNOWN_DIFFERENCES, (
            f"{case.name}: ours {ours} differs from Apollo's {apollo}; record why"
        )


def _operation_name(case: Case) -> str | None:
    """The ``operationName`` of the fixture's request options (``<operation>.json``), if any."""
    options = case.operation.with_suffix(".json")
    if not options.exists():
        return None
    name = json.loads(options.read_text(encoding="utf-8")).get("operationName")
    return name if isinstance(name, str) else None


def test_known_differences_are_real() -> None:
    """Every recorded difference still exists (so the list cannot rot)."""
    by_name = {case.name: case for case in CASES}
    for name in KNOWN_DIFFERENCES:
        case = by_name.get(name)
        if case is None or case.apollo_plan is None:
            continue
        plan = plan_operation(
            _supergraph(case.supergraph),
            parse(case.operation.read_text(encoding="utf-8")),
            _operation_name(case),
        )
        apollo = shape_of_text(case.apollo_plan.read_text(encoding="utf-8"))
        assert apollo is not None and shape_of(plan.node) != apollo, name


def test_shapes_of_apollo_text() -> None:
    text = """QueryPlan {
  Sequence {
    Fetch(service: "a") {
      {
        x {
          __typename
        }
      }
    },
    Parallel {
      Flatten(path: "x") {
        Fetch(service: "b") {
          {
            ... on X {
              __typename
            }
          } =>
          {
            ... on X {
              y
            }
          }
        },
      },
      Include(if: $v) {
        Sequence {
          Flatten(path: "x") {
            Fetch(service: "c") {
              {
                z
              }
            },
          },
          Flatten(path: "x") {
            Fetch(service: "d") {
              {
                w
              }
            },
          },
        }
      },
    },
  },
}"""
    assert shape_of_text(text) == PlanShape(fetches=4, depth=3)
    assert shape_of_text("(no plan: rejected before planning)") is None
    assert shape_of_text("QueryPlan {}") == PlanShape(0, 0)
