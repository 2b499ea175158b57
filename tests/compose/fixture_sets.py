"""The composition fixture sets: folders of subgraph SDL files, plus the project's own schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
PROJECT_FIXTURE = "project"
PROJECT_SCHEMA_DIR = REPOSITORY_ROOT / "schema"
PROJECT_SUBGRAPHS = ("users", "products", "orders")


@dataclass(frozen=True, slots=True)
class FixtureSubgraph:
    name: str
    url: str
    sdl: str
    path: Path


@dataclass(frozen=True, slots=True)
class FixtureSet:
    name: str
    directory: Path
    subgraphs: tuple[FixtureSubgraph, ...]

    @property
    def expected_dir(self) -> Path:
        return self.directory / "expected"


def subgraph_url(subgraph_name: str) -> str:
    return f"http://{subgraph_name}.internal/graphql"


def fixture_names() -> list[str]:
    """Every fixture folder under fixtures/, sorted by name."""
    return sorted(
        entry.name
        for entry in FIXTURES_DIR.iterdir()
        if entry.is_dir() and any(entry.glob("*.graphql"))
    )


def _read_subgraph(path: Path, name: str) -> FixtureSubgraph:
    return FixtureSubgraph(
        name=name, url=subgraph_url(name), sdl=path.read_text(encoding="utf-8"), path=path
    )


def load_fixture(name: str) -> FixtureSet:
    """The subgraphs of fixtures/<name>/, one per `<subgraph>.graphql`, ordered by name."""
    directory = FIXTURES_DIR / name
    paths = sorted(directory.glob("*.graphql"))
    if not paths:
        raise FileNotFoundError(f"fixture {name!r} has no subgraph files in {directory}")
    return FixtureSet(
        name=name,
        directory=directory,
        subgraphs=tuple(_read_subgraph(path, path.stem) for path in paths),
    )


def fixture_description(fixture: FixtureSet) -> str:
    """The one-line `# ...` comment at the top of the fixture's first subgraph file."""
    first_line = fixture.subgraphs[0].sdl.splitlines()[0] if fixture.subgraphs[0].sdl else ""
    return first_line.removeprefix("#").strip() if first_line.startswith("#") else ""


def missing_project_schema_files() -> list[Path]:
    return [
        path
        for path in (PROJECT_SCHEMA_DIR / f"{name}.graphql" for name in PROJECT_SUBGRAPHS)
        if not path.is_file()
    ]


def load_project_fixture() -> FixtureSet | None:
    """The project's own subgraph SDLs from schema/, or None while any of them is absent."""
    if missing_project_schema_files():
        return None
    return FixtureSet(
        name=PROJECT_FIXTURE,
        directory=PROJECT_SCHEMA_DIR,
        subgraphs=tuple(
            _read_subgraph(PROJECT_SCHEMA_DIR / f"{name}.graphql", name)
            for name in PROJECT_SUBGRAPHS
        ),
    )
