"""(Re)records every fixture's expected/ files with @apollo/composition.

python -m tests.compose.record            # write expected/ for every fixture
python -m tests.compose.record NAME ...   # only these fixtures
python -m tests.compose.record --compare-guild
    # write nothing; list where @theguild/federation-composition disagrees with Apollo
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence

from tests.compose.expectations import write_expectation
from tests.compose.fixture_sets import FixtureSet, fixture_description, fixture_names, load_fixture
from tests.compose.normalize import normalize_supergraph_sdl
from tests.compose.reference import ReferenceResult, compose_with_reference


def _outcome(result: ReferenceResult) -> str:
    if result.ok:
        return "composes"
    return "fails: " + ", ".join(sorted(result.error_codes))


def _supergraph_diff(apollo: ReferenceResult, guild: ReferenceResult) -> list[str]:
    if apollo.supergraph_sdl is None or guild.supergraph_sdl is None:
        return []
    return list(
        difflib.unified_diff(
            normalize_supergraph_sdl(apollo.supergraph_sdl).splitlines(keepends=True),
            normalize_supergraph_sdl(guild.supergraph_sdl).splitlines(keepends=True),
            fromfile="apollo",
            tofile="guild",
        )
    )


def _disagreement(apollo: ReferenceResult, guild: ReferenceResult) -> str | None:
    if apollo.ok != guild.ok or apollo.error_codes != guild.error_codes:
        return f"apollo {_outcome(apollo)}; guild {_outcome(guild)}"
    diff = _supergraph_diff(apollo, guild)
    if diff:
        changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
        return f"both compose; the normalised supergraphs differ in {changed} lines"
    return None


def _load(names: Sequence[str]) -> list[FixtureSet]:
    known = set(fixture_names())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown fixtures: {', '.join(unknown)}")
    return [load_fixture(name) for name in (names or sorted(known))]


def record(fixtures: Sequence[FixtureSet]) -> int:
    results = compose_with_reference({f.name: f.subgraphs for f in fixtures}, "apollo")
    for fixture in fixtures:
        result = results[fixture.name]
        changed = write_expectation(fixture, result)
        marker = "updated" if changed else "unchanged"
        print(f"{fixture.name:45} {marker:9} {_outcome(result)}  # {fixture_description(fixture)}")
    return 0


def compare_guild(fixtures: Sequence[FixtureSet], *, show_diff: bool = False) -> int:
    sets = {f.name: f.subgraphs for f in fixtures}
    apollo = compose_with_reference(sets, "apollo")
    guild = compose_with_reference(sets, "guild")
    disagreements = 0
    for fixture in fixtures:
        difference = _disagreement(apollo[fixture.name], guild[fixture.name])
        if difference is not None:
            disagreements += 1
            print(f"{fixture.name:45} {difference}")
            if show_diff:
                print("".join(_supergraph_diff(apollo[fixture.name], guild[fixture.name])))
    print(f"{disagreements} of {len(fixtures)} fixtures differ between Apollo and The Guild")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.compose.record", description=__doc__)
    parser.add_argument("fixtures", nargs="*", help="fixture names (default: all)")
    parser.add_argument(
        "--compare-guild",
        action="store_true",
        help="write nothing; list where @theguild/federation-composition disagrees with Apollo",
    )
    parser.add_argument(
        "--diff", action="store_true", help="with --compare-guild: print the supergraph diffs"
    )
    args = parser.parse_args(argv)
    fixtures = _load(args.fixtures)
    if args.compare_guild:
        return compare_guild(fixtures, show_diff=args.diff)
    return record(fixtures)


if __name__ == "__main__":
    sys.exit(main())
