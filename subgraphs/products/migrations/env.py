"""Alembic environment of the products database: `python -m subgraphs.shared.migrate products`."""

from subgraphs.products.models import metadata
from subgraphs.shared.migration_env import run_migrations

run_migrations("products", metadata)
