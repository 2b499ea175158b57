"""The committed reference results of a fixture under expected/.

A fixture that composes has `supergraph.graphql` (plus `hints.json` when the reference gave
hints); one that does not has `errors.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.compose.fixture_sets import FixtureSet
from tests.compose.reference import ReferenceProblem, ReferenceResult

SUPERGRAPH_FILE = "supergraph.graphql"
ERRORS_FILE = "errors.json"
HINTS_FILE = "hints.json"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the reference composer produced when the fixture was recorded."""

    supergraph_sdl: str | None
    errors: tuple[ReferenceProblem, ...]
    hints: tuple[ReferenceProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None

    @property
    def error_codes(self) -> frozenset[str]:
        return frozenset(error.code for error in self.errors)


def _with_final_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def expectation_from_result(result: ReferenceResult) -> Expectation:
    """The expectation that recording `result` would write (the same text as on disk)."""
    if result.ok:
        assert result.supergraph_sdl is not None
        return Expectation(
            supergraph_sdl=_with_final_newline(result.supergraph_sdl),
            errors=(),
            hints=result.hints,
        )
    return Expectation(supergraph_sdl=None, errors=result.errors)


def _read_problems(path: Path) -> tuple[ReferenceProblem, ...]:
    if not path.is_file():
        return ()
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(ReferenceProblem.from_json(item) for item in data)


def _problems_json(problems: tuple[ReferenceProblem, ...]) -> str:
    return json.dumps([problem.to_json() for problem in problems], indent=2) + "\n"


def read_expectation(fixture: FixtureSet) -> Expectation | None:
    """The committed expectation, or None when the fixture was never recorded."""
    supergraph_path = fixture.expected_dir / SUPERGRAPH_FILE
    errors_path = fixture.expected_dir / ERRORS_FILE
    if supergraph_path.is_file() and errors_path.is_file():
        raise ValueError(f"{fixture.expected_dir} holds both {SUPERGRAPH_FILE} and {ERRORS_FILE}")
    if supergraph_path.is_file():
        return Expectation(
            supergraph_sdl=supergraph_path.read_text(encoding="utf-8"),
            errors=(),
            hints=_read_problems(fixture.expected_dir / HINTS_FILE),
        )
    if errors_path.is_file():
        return Expectation(supergraph_sdl=None, errors=_read_problems(errors_path))
    return None


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def write_expectation(fixture: FixtureSet, result: ReferenceResult) -> bool:
    """Record `result` under expected/, removing a stale file of the other kind.

    Returns whether anything on disk changed.
    """
    expectation = expectation_from_result(result)
    fixture.expected_dir.mkdir(exist_ok=True)
    wanted: dict[Path, str] = {}
    if expectation.supergraph_sdl is not None:
        wanted[fixture.expected_dir / SUPERGRAPH_FILE] = expectation.supergraph_sdl
        if expectation.hints:
            wanted[fixture.expected_dir / HINTS_FILE] = _problems_json(expectation.hints)
    else:
        wanted[fixture.expected_dir / ERRORS_FILE] = _problems_json(expectation.errors)
    changed = False
    for name in (SUPERGRAPH_FILE, ERRORS_FILE, HINTS_FILE):
        path = fixture.expected_dir / name
        if path not in wanted and path.is_file():
            path.unlink()
            changed = True
    for path, text in wanted.items():
        changed = _write_if_changed(path, text) or changed
    return changed
