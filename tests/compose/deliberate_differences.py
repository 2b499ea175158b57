"""Fixtures where fedra's composition deliberately differs from @apollo/composition.

Maps a fixture name to the reason. The compatibility test expects such a fixture to differ
(strict xfail), so an entry must be removed once the outputs agree again.
"""

from __future__ import annotations

DELIBERATE_DIFFERENCES: dict[str, str] = {}
