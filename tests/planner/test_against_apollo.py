"""Apollo's query planner as an oracle on operations generated from many supergraphs.

For every supergraph composed by Apollo in the repository (composition fixtures, conformance
fixtures), one operation per root field (and one with all of them) selects everything down to a
depth. Our planner must plan
each operation Apollo plans, with no more fetches (and, with as many, no longer chain).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLError, parse, validate

from router.planner import plan_operation
from router.supergraph import SupergraphError, read_supergraph
from tests.conftest import REQUIRE_NODE, require
from tests.planner.generated_operations import select_everything
from tests.planner.plan_checker import check_plan
from tests.planner.plan_shape import shape_of, shape_of_text

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
SCRIPT = Path(__file__).with_name("apollo_planner.mjs")
DEPTH = 4
SUPERGRAPHS = sorted(
    [
        *ROOT.glob("tests/compose/fixtures/*/expected/supergraph.graphql"),
        *ROOT.glob("tests/conformance/fixtures/*/supergraph.graphql"),
    ]
)

pytestmark = pytest.mark.node


def _node_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (NODE_MODULES / "@apollo" / "query-planner").is_dir():
        return f"@apollo/query-planner is not installed in {NODE_MODULES}"
    return None


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT / "tests"))


@pytest.fixture(scope="module")
def apollo_plans() -> dict[str, object]:
    require(REQUIRE_NODE, _node_unavailable())
    payload: dict[str, object] = {}
    for path in SUPERGRAPHS:
        sdl = path.read_text(encoding="utf-8")
        try:
            schema = read_supergraph(sdl).api_schema
        except (SupergraphError, GraphQLError):
            continue  # a supergraph this router cannot read is tested with the reader
        payload[_name(path)] = {"supergraph": sdl, "operations": select_everything(schema, DEPTH)}
    completed = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize("path", SUPERGRAPHS, ids=_name)
def test_plans_not_worse_than_apollo(path: Path, apollo_plans: dict[str, object]) -> None:
    plans = apollo_plans.get(_name(path))
    assert isinstance(plans, dict), f"Apollo cannot plan over this supergraph: {plans}"
    supergraph = read_supergraph(path.read_text(encoding="utf-8"))
    compared = 0
    invalid = 0
    for field, text in select_everything(supergraph.api_schema, DEPTH).items():
        apollo_text = plans.get(field)
        document = parse(text)
        if validate(supergraph.api_schema, document):
            invalid += 1  # e.g. one response name with two types on two members
            continue
        if not isinstance(apollo_text, str):
            continue
        if apollo_text.startswith("ERROR"):
            continue
        plan = plan_operation(supergraph, document)
        check_plan(plan, document, supergraph=supergraph)
        compared += 1
        if field == "mutation.*":
            # Apollo folds consecutive mutations of one subgraph into one fetch even when the
            # first one's fields need entity fetches, which then see the later mutations'
            # effects. Ours resolves each mutation completely before the next one runs.
            continue
        ours = shape_of(plan.node)
        apollo = shape_of_text(apollo_text)
        assert apollo is not None
        assert ours.not_worse_than(apollo), f"{field}: ours {ours}, Apollo {apollo}\n{text}"
    assert compared or not plans or invalid == len(plans)
