"""Composition compatibility: every fixture set against @apollo/composition, and fedra against both.

(a) the committed expected/ files still equal what @apollo/composition produces now;
(b) fedra's composer agrees with them: the same supergraph after normalisation for valid sets,
    the same set of error codes for invalid ones.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.compose.deliberate_differences import DELIBERATE_DIFFERENCES
from tests.compose.expectations import (
    Expectation,
    expectation_from_result,
    read_expectation,
)
from tests.compose.fedra_composer import FedraOutcome, compose_with_fedra
from tests.compose.fixture_sets import (
    PROJECT_FIXTURE,
    FixtureSet,
    fixture_description,
    fixture_names,
    load_fixture,
    load_project_fixture,
    missing_project_schema_files,
)
from tests.compose.normalize import normalize_supergraph_sdl
from tests.compose.reference import (
    ReferenceProblem,
    ReferenceResult,
    compose_with_reference,
    reference_unavailable_reason,
)
from tests.conftest import REQUIRE_NODE, require

FIXTURE_NAMES = fixture_names()
RECORD_COMMAND = "python -m tests.compose.record"


def _fedra_params() -> list[object]:
    params: list[object] = []
    for name in FIXTURE_NAMES:
        reason = DELIBERATE_DIFFERENCES.get(name)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _project_fixture_or_skip() -> FixtureSet:
    project = load_project_fixture()
    if project is None:
        missing = ", ".join(str(path) for path in missing_project_schema_files())
        pytest.fail(f"the project's subgraph SDLs are missing (run `make schema`): {missing}")
    return project


@pytest.fixture(scope="session")
def apollo_results() -> Mapping[str, ReferenceResult]:
    """@apollo/composition's result for every fixture, from one Node process per session."""
    require(REQUIRE_NODE, reference_unavailable_reason())
    fixture_sets = {name: load_fixture(name).subgraphs for name in FIXTURE_NAMES}
    project = load_project_fixture()
    if project is not None:
        fixture_sets[PROJECT_FIXTURE] = project.subgraphs
    return compose_with_reference(fixture_sets, "apollo")


def _describe_problems(problems: tuple[ReferenceProblem, ...]) -> str:
    return "\n".join(f"  {problem.code}: {problem.message}" for problem in problems)


def _committed_expectation(fixture: FixtureSet) -> Expectation:
    expectation = read_expectation(fixture)
    if expectation is None:
        pytest.fail(
            f"{fixture.expected_dir} has no recorded expectation; run `{RECORD_COMMAND} "
            f"{fixture.name}`",
            pytrace=False,
        )
    return expectation


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_states_its_intent(name: str) -> None:
    """The first line says what the fixture is for, naming every error code it fails with."""
    fixture = load_fixture(name)
    description = fixture_description(fixture)
    assert description, f"{fixture.subgraphs[0].path} must start with a one-line `# ...` comment"
    expectation = _committed_expectation(fixture)
    unnamed = sorted(code for code in expectation.error_codes if code not in description)
    assert not unnamed, f"{name}: the description does not name the error codes {unnamed}"


@pytest.mark.node
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_recorded_expectation_matches_apollo(
    name: str, apollo_results: Mapping[str, ReferenceResult]
) -> None:
    fixture = load_fixture(name)
    committed = _committed_expectation(fixture)
    current = expectation_from_result(apollo_results[name])
    rerecord = f"@apollo/composition now differs; run `{RECORD_COMMAND} {name}` and review"
    assert current.error_codes == committed.error_codes, (
        f"{rerecord}\nnow:\n{_describe_problems(current.errors)}"
    )
    assert current.errors == committed.errors, rerecord
    assert current.supergraph_sdl == committed.supergraph_sdl, rerecord
    assert current.hints == committed.hints, rerecord


@pytest.mark.node
def test_project_schema_composes_with_apollo(
    apollo_results: Mapping[str, ReferenceResult],
) -> None:
    _project_fixture_or_skip()
    result = apollo_results[PROJECT_FIXTURE]
    assert result.ok, "schema/*.graphql do not compose:\n" + _describe_problems(result.errors)


def _assert_fedra_matches(name: str, ours: FedraOutcome, expected: Expectation) -> None:
    our_errors = "\n".join(f"  {error.describe()}" for error in ours.errors)
    if expected.supergraph_sdl is not None:
        assert ours.ok, f"{name}: Apollo composes this set, fedra reports errors:\n{our_errors}"
        assert ours.supergraph_sdl is not None
        assert normalize_supergraph_sdl(ours.supergraph_sdl) == normalize_supergraph_sdl(
            expected.supergraph_sdl
        ), f"{name}: fedra's supergraph differs from Apollo's after normalisation"
        return
    expected_codes = sorted(expected.error_codes)
    assert not ours.ok, f"{name}: Apollo fails with {expected_codes}, fedra composes the set"
    assert sorted(ours.error_codes) == expected_codes, (
        f"{name}: error codes differ.\nApollo:\n{_describe_problems(expected.errors)}\n"
        f"fedra:\n{our_errors}"
    )


@pytest.mark.parametrize("name", _fedra_params())
def test_fedra_agrees_with_apollo(name: str) -> None:
    fixture = load_fixture(name)
    expected = _committed_expectation(fixture)
    _assert_fedra_matches(name, compose_with_fedra(fixture.subgraphs), expected)


@pytest.mark.node
def test_fedra_agrees_with_apollo_on_project_schema(
    apollo_results: Mapping[str, ReferenceResult],
) -> None:
    project = _project_fixture_or_skip()
    expected = expectation_from_result(apollo_results[PROJECT_FIXTURE])
    _assert_fedra_matches(PROJECT_FIXTURE, compose_with_fedra(project.subgraphs), expected)
