from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.registry.helpers import RunningRegistry, registry_config, running_registry, sqlite_url


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[RunningRegistry]:
    """A registry on a fresh SQLite file, nothing published yet."""
    async with running_registry(registry_config(sqlite_url(tmp_path))) as running:
        yield running
