from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from interdictor.store.db import make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real command line in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "interdictor.cli", *args],
        input=input,
        capture_output=True,
        timeout=300,
        check=False,
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[list[object]], Path]:
    def write(rows: list[object], name: str = "in.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in rows))
        return path

    return write


PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@cache
def _pg_unreachable() -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it can."""
    try:
        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {PG_URL} is unreachable: {exc}".strip()
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database: a SQLite file in tmp_path, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    reason = _pg_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex}"
    admin = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        # Every connection made from this URL works in the new schema only.
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session on a migrated database."""
    with session_factory(db_engine)() as session:
        yield session
