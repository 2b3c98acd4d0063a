"""Engines, sessions and schema migrations.

The CLI, the API and the tests all create the schema the same way: :func:`upgrade` runs
the Alembic migrations shipped in ``interdictor/store/migrations`` to head. To write a
new migration after changing the models::

    from alembic import command
    command.revision(alembic_config("sqlite:///dev.db"), "what changed", autogenerate=True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///interdictor.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    """The database URL: ``INTERDICTOR_DATABASE_URL``, else a SQLite file in the working directory."""
    return os.environ.get("INTERDICTOR_DATABASE_URL") or DEFAULT_URL


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off unless asked, per connection; WAL lets readers
    # go on while one writer writes. In WAL mode synchronous=NORMAL stays consistent
    # after a crash and loses at most the last commits on power loss, for a sync per
    # checkpoint instead of per commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`).

    SQLite gets foreign keys and WAL on every connection; a bare ``postgresql://`` URL
    uses psycopg 3. JSON columns are written and read with orjson.
    """
    parsed = make_url(url or database_url())
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, json_serializer=_json_dumps, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":
        # pysqlite's own transaction handling is kept on purpose: it begins a transaction at
        # the first write, which waits for the write lock; audit appends rely on that.
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | URL | None = None) -> Config:
    """Alembic configuration without an ini file: the packaged migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = make_url(url or database_url())
    return config


def upgrade(target: str | URL | Engine | None = None, revision: str = "head") -> None:
    """Migrate the database at ``target`` (a URL or an engine) to ``revision``."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    config = alembic_config(engine.url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if engine is not target:
            engine.dispose()


def head_revision() -> str:
    """The newest migration shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError("no migrations are packaged")
    return head


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
