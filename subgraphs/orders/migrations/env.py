"""Alembic environment of the orders database: `python -m subgraphs.shared.migrate orders`."""

from subgraphs.orders.models import metadata
from subgraphs.shared.migration_env import run_migrations

run_migrations("orders", metadata)
