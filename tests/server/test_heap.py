"""Freezing the long-lived heap after a supergraph is loaded, and releasing it on reload."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from router.server.heap import freeze_long_lived
from tests.server.stack import router_stack


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_a_frozen_cycle_is_reclaimed_once_dropped() -> None:
    node = Node()
    alive = weakref.ref(node)
    try:
        freeze_long_lived()
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert alive() is not None  # frozen: the collector does not look at it
        freeze_long_lived()
        assert alive() is None  # released before freezing again: reclaimed
    finally:
        gc.unfreeze()


async def test_the_heap_is_frozen_once_the_supergraph_is_loaded(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    gc.unfreeze()
    try:
        async with router_stack(tmp_path, supergraph_sdl) as (client, app):
            assert gc.get_freeze_count() > 0
            gc.unfreeze()
            path = tmp_path / "supergraph.graphql"
            path.write_text(supergraph_sdl + "\n# changed\n")
            assert await app.state.supergraph_file.reload()
            assert gc.get_freeze_count() > 0
            assert (await client.get("/ready")).json()["generation"] == 2
    finally:
        gc.unfreeze()
