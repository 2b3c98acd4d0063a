"""Alembic environment: migrates the connection (or URL) handed over by ``store.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from interdictor.store.db import make_engine
from interdictor.store.models import Base


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; batch mode does that for later migrations.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Migrate the given connection, or open one to the given URL."""
    attributes = context.config.attributes
    connection = attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(attributes["url"])
    try:
        with engine.begin() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


run()
