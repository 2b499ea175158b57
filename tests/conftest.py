"""Fixtures shared by every test folder."""

from __future__ import annotations

import os

import pytest

POSTGRES_DSN_ENV = "FEDRA_TEST_POSTGRES_DSN"
REQUIRE_POSTGRES_ENV = "FEDRA_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The PostgreSQL server for tests (a SQLAlchemy async URL, e.g. postgresql+asyncpg://...).

    Skips when FEDRA_TEST_POSTGRES_DSN is unset, unless FEDRA_REQUIRE_POSTGRES=1: then fails.
    """
    dsn = os.environ.get(POSTGRES_DSN_ENV, "").strip()
    if not dsn:
        reason = f"no PostgreSQL: set {POSTGRES_DSN_ENV}"
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1)")
        pytest.skip(reason)
    return dsn
