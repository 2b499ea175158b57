"""Alembic environment of the users database: `python -m subgraphs.shared.migrate users`."""

from subgraphs.shared.migration_env import run_migrations
from subgraphs.users.models import metadata

run_migrations("users", metadata)
