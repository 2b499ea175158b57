"""Fixtures shared by every test folder, and the one way a test skips for a missing tool.

Every skip for something missing on the machine (Node and the reference packages, PostgreSQL,
Chromium, redis-server, rabbitmq-server, a command-line tool) goes through :func:`require`
with the environment switch that turns it into a failure. CI sets every switch, so a green CI
run means every test ran.
"""

from __future__ import annotations

import os

import pytest

POSTGRES_DSN_ENV = "FEDRA_TEST_POSTGRES_DSN"
RABBITMQ_URL_ENV = "FEDRA_TEST_RABBITMQ_URL"

REQUIRE_POSTGRES = "FEDRA_REQUIRE_POSTGRES"
REQUIRE_NODE = "FEDRA_REQUIRE_NODE"
REQUIRE_BROWSER = "FEDRA_REQUIRE_BROWSER"
REQUIRE_REDIS = "FEDRA_REQUIRE_REDIS"
REQUIRE_RABBITMQ = "FEDRA_REQUIRE_RABBITMQ"
REQUIRE_TOOLS = "FEDRA_REQUIRE_TOOLS"
SWITCHES = (
    REQUIRE_POSTGRES,
    REQUIRE_NODE,
    REQUIRE_BROWSER,
    REQUIRE_REDIS,
    REQUIRE_RABBITMQ,
    REQUIRE_TOOLS,
)


def required(switch: str) -> bool:
    """Whether the environment switch ``switch`` (e.g. FEDRA_REQUIRE_NODE) is set to 1."""
    if switch not in SWITCHES:
        raise ValueError(f"unknown switch {switch!r}; one of {', '.join(SWITCHES)}")
    return os.environ.get(switch) == "1"


def require(switch: str, reason: str | None) -> None:
    """Nothing when ``reason`` is None (what the test needs is there); otherwise skip the
    test saying why, or fail it when ``switch`` is set to 1."""
    if reason is None:
        if switch not in SWITCHES:
            raise ValueError(f"unknown switch {switch!r}; one of {', '.join(SWITCHES)}")
        return
    if required(switch):
        pytest.fail(f"{reason} ({switch}=1 requires it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The PostgreSQL server for tests (a SQLAlchemy async URL, e.g. postgresql+asyncpg://...).

    Skips when FEDRA_TEST_POSTGRES_DSN is unset, unless FEDRA_REQUIRE_POSTGRES=1: then fails.
    """
    dsn = os.environ.get(POSTGRES_DSN_ENV, "").strip()
    require(REQUIRE_POSTGRES, None if dsn else f"no PostgreSQL: set {POSTGRES_DSN_ENV}")
    return dsn


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The RabbitMQ broker for tests (an AMQP URL, e.g. amqp://guest:guest@127.0.0.1:5672/).

    `.ci/rabbitmq.sh` starts one and prints its URL. Skips when FEDRA_TEST_RABBITMQ_URL is
    unset, unless FEDRA_REQUIRE_RABBITMQ=1: then fails.
    """
    url = os.environ.get(RABBITMQ_URL_ENV, "").strip()
    require(
        REQUIRE_RABBITMQ,
        None if url else f"no RabbitMQ: set {RABBITMQ_URL_ENV} (`bash .ci/rabbitmq.sh` starts one)",
    )
    return url
