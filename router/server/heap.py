"""Keeping the long-lived heap out of the garbage collector's way.

After a supergraph is loaded, its schema, query graph and gateway are millions of objects that
live until the next reload. ``freeze_long_lived`` collects what is garbage now and moves every
surviving object to the permanent generation, so the collections that requests trigger no
longer walk them. Before freezing again, the frozen objects are released to the collector, so
a replaced supergraph's cycles are still reclaimed.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
