"""@context / @fromContext rules give Apollo's errors exactly: code, message and location, as
recorded from @apollo/composition in the fixtures' expected/errors.json."""

from __future__ import annotations

import json

import pytest

from tests.compose.fedra_composer import compose_with_fedra
from tests.compose.fixture_sets import load_fixture

CONTEXT_FIXTURES = [
    "context-invalid-usage",
    "context-invalid-selection",
    "context-not-set-on-every-path",
    "context-abstract-setters-partial",
    "context-nested-selections",
]

Problem = tuple[str, str, tuple[tuple[int, int], ...]]


@pytest.mark.parametrize("name", CONTEXT_FIXTURES)
def test_errors_equal_apollos(name: str) -> None:
    fixture = load_fixture(name)
    recorded = json.loads((fixture.expected_dir / "errors.json").read_text(encoding="utf-8"))
    apollo: list[Problem] = sorted(
        (
            error["code"],
            error["message"],
            tuple((place["line"], place["column"]) for place in error["locations"]),
        )
        for error in recorded
    )
    outcome = compose_with_fedra(fixture.subgraphs)
    ours: list[Problem] = sorted(
        (
            error.code,
            error.message,
            ((error.line, error.column),)
            if error.line is not None and error.column is not None
            else (),
        )
        for error in outcome.errors
    )
    assert ours == apollo


def test_a_valid_context_set_composes() -> None:
    outcome = compose_with_fedra(load_fixture("context-arguments-composed").subgraphs)
    assert outcome.errors == ()
    assert outcome.supergraph_sdl is not None
    assert 'contextArguments: [{context: "b__scope", name: "d"' in outcome.supergraph_sdl
