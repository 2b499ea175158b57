"""Runs a reference composer (tests/node/compose.mjs) over many fixture sets in one Node process."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.compose.fixture_sets import REPOSITORY_ROOT, FixtureSubgraph

NODE_DIR = REPOSITORY_ROOT / "tests" / "node"
HARNESS = NODE_DIR / "compose.mjs"
REFERENCE_PACKAGES = ("@apollo/composition", "@theguild/federation-composition", "graphql")
HARNESS_TIMEOUT_SECONDS = 240

ReferenceImplementation = Literal["apollo", "guild"]


@dataclass(frozen=True, slots=True)
class ReferenceLocation:
    subgraph: str | None
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ReferenceProblem:
    """An error or a hint reported by a reference composer."""

    code: str
    message: str
    locations: tuple[ReferenceLocation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "locations": [
                {"subgraph": loc.subgraph, "line": loc.line, "column": loc.column}
                for loc in self.locations
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReferenceProblem:
        return cls(
            code=str(data["code"]),
            message=str(data["message"]),
            locations=tuple(
                ReferenceLocation(
                    subgraph=loc.get("subgraph"), line=int(loc["line"]), column=int(loc["column"])
                )
                for loc in data.get("locations", [])
            ),
        )


@dataclass(frozen=True, slots=True)
class ReferenceResult:
    supergraph_sdl: str | None
    errors: tuple[ReferenceProblem, ...]
    hints: tuple[ReferenceProblem, ...]

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors

    @property
    def error_codes(self) -> frozenset[str]:
        return frozenset(error.code for error in self.errors)


class ReferenceUnavailable(RuntimeError):
    """Node.js or the reference npm packages are not installed."""


class ReferenceFailed(RuntimeError):
    """The Node harness itself failed (not a composition error)."""


def node_executable() -> str | None:
    return shutil.which("node")


def reference_unavailable_reason() -> str | None:
    """Why the reference composers cannot run here, or None when they can."""
    if node_executable() is None:
        return "Node.js is not installed (node is not on PATH)"
    modules = NODE_DIR / "node_modules"
    missing = [name for name in REFERENCE_PACKAGES if not (modules / name).is_dir()]
    if missing:
        return (
            f"reference npm packages are missing from {modules}: {', '.join(missing)} "
            "(run `make tests/node/node_modules/.installed` or `npm ci` in tests/node)"
        )
    return None


def _result_from_json(data: Mapping[str, Any]) -> ReferenceResult:
    errors = tuple(ReferenceProblem.from_json(error) for error in data.get("errors") or [])
    hints = tuple(ReferenceProblem.from_json(hint) for hint in data.get("hints") or [])
    sdl = data.get("supergraphSdl")
    return ReferenceResult(
        supergraph_sdl=str(sdl) if sdl is not None and not errors else None,
        errors=errors,
        hints=hints,
    )


def compose_with_reference(
    fixture_sets: Mapping[str, Sequence[FixtureSubgraph]],
    implementation: ReferenceImplementation = "apollo",
    *,
    node_dir: Path = NODE_DIR,
) -> dict[str, ReferenceResult]:
    """Compose every fixture set with the reference implementation, in one Node process."""
    reason = reference_unavailable_reason()
    if reason is not None:
        raise ReferenceUnavailable(reason)
    node = node_executable()
    assert node is not None
    request = {
        "fixtures": {
            fixture_id: [
                {"name": subgraph.name, "url": subgraph.url, "sdl": subgraph.sdl}
                for subgraph in subgraphs
            ]
            for fixture_id, subgraphs in fixture_sets.items()
        }
    }
    completed = subprocess.run(
        [node, str(HARNESS), "--impl", implementation],
        input=json.dumps(request).encode("utf-8"),
        capture_output=True,
        cwd=node_dir,
        timeout=HARNESS_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise ReferenceFailed(
            f"{HARNESS.name} --impl {implementation} exited with {completed.returncode}:\n"
            + completed.stderr.decode("utf-8", "replace")
        )
    output = json.loads(completed.stdout)
    missing = sorted(set(fixture_sets) - set(output))
    if missing:
        raise ReferenceFailed(f"{HARNESS.name} returned no result for: {', '.join(missing)}")
    return {fixture_id: _result_from_json(output[fixture_id]) for fixture_id in fixture_sets}
