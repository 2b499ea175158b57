"""Fixtures of the end-to-end tests: a seeded template of the databases, and a stack per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .stack import Stack, copy_databases, running_stack, seed_databases


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the three seeded SQLite databases; copied, never used directly."""
    folder = tmp_path_factory.mktemp("e2e-seeded")
    asyncio.run(seed_databases(folder))
    return folder


@pytest.fixture
def database_folder(seeded_template: Path, tmp_path: Path) -> Path:
    """Seeded databases private to one test."""
    copy_databases(seeded_template, tmp_path)
    return tmp_path


@pytest.fixture
async def stack(database_folder: Path) -> AsyncIterator[Stack]:
    async with running_stack(database_folder) as started:
        yield started
