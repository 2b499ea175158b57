"""Reading a supergraph and printing it back gives the same supergraph (after normalisation).

Runs over every supergraph Apollo's composition produced for the compatibility corpus, plus the
benchmark supergraph, so the printer covers join v0.3 to v0.5, interface objects, overrides,
composed directives and authorization directives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from router.supergraph import read_supergraph
from router.supergraph.printer import print_supergraph
from tests.compose.fixture_sets import FIXTURES_DIR
from tests.compose.normalize import normalize_supergraph_sdl

CORPUS = sorted(FIXTURES_DIR.glob("*/expected/supergraph.graphql"))
BENCH = Path(__file__).resolve().parents[2] / "bench" / "workload" / "supergraph.graphql"


@pytest.mark.parametrize("path", CORPUS, ids=[path.parts[-3] for path in CORPUS])
def test_corpus_supergraph_round_trips(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    printed = print_supergraph(read_supergraph(original))
    assert normalize_supergraph_sdl(printed) == normalize_supergraph_sdl(original)


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 20


def test_benchmark_supergraph_round_trips() -> None:
    original = BENCH.read_text(encoding="utf-8")
    printed = print_supergraph(read_supergraph(original))
    assert normalize_supergraph_sdl(printed) == normalize_supergraph_sdl(original)


def test_printing_is_stable() -> None:
    original = CORPUS[0].read_text(encoding="utf-8")
    once = print_supergraph(read_supergraph(original))
    assert print_supergraph(read_supergraph(once)) == once


@pytest.mark.parametrize(
    "description",
    [
        "Carriage\rreturn",
        "Windows\r\nline ends\r\n  indented",
        'A long single-line description that quotes a block string """ inside it, long enough',
        "A long single-line description that ends with a backslash, long enough to wrap \\",
        'ends with a quote "',
    ],
)
def test_descriptions_keep_their_lines(description: str) -> None:
    original = CORPUS[0].read_text(encoding="utf-8")
    supergraph = read_supergraph(original)
    named = next(iter(supergraph.types.values()))
    named.description = description
    field = next(iter(named.fields.values()), None)
    if field is not None:
        field.description = description
    reread = read_supergraph(print_supergraph(supergraph)).types[named.name]
    expected = description.replace("\r\n", "\n").replace("\r", "\n")
    assert reread.description == expected
    if field is not None:
        assert reread.fields[field.name].description == expected
