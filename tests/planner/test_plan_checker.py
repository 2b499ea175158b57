"""The plan checker used on every snapshot and generated operation catches broken plans."""

from __future__ import annotations

import pytest
from graphql import parse

from router.planner.plan import ParallelNode, QueryPlan, SequenceNode
from tests.planner import examples
from tests.planner.plan_checker import check_plan
from tests.planner.supergraphs import plan

OPERATION = "{ me { name reviews { body } } }"


def test_a_correct_plan_passes() -> None:
    result = plan(examples.shop(), OPERATION)
    check_plan(result, parse(OPERATION), supergraph=examples.shop())


def test_a_missing_fetch_is_found() -> None:
    result = plan(examples.shop(), OPERATION)
    assert isinstance(result.node, SequenceNode)
    with pytest.raises(AssertionError, match=r"nothing fetches me\.reviews"):
        check_plan(QueryPlan(result.node.nodes[0]), parse(OPERATION))


def test_an_entity_fetch_running_too_early_is_found() -> None:
    result = plan(examples.shop(), OPERATION)
    assert isinstance(result.node, SequenceNode)
    with pytest.raises(AssertionError, match=r"needs me\.__typename before it runs"):
        check_plan(QueryPlan(ParallelNode(result.node.nodes)), parse(OPERATION))
