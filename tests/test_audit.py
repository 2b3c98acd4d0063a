"""The hash-chained audit log: appends, tampering found by verify, and the CLI's exit codes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from interdictor.store.audit import AuditLog, Problem, ProblemKind, entry_hash
from interdictor.store.cli import app
from interdictor.store.db import make_engine, session_factory, upgrade
from interdictor.store.models import GENESIS_HASH, AuditEntry


def _append(session: Session, n: int) -> list[AuditEntry]:
    entries = [
        AuditLog.append(session, "system", "decision.create", "decision", i, reason=f"r{i}", data={"i": i})
        for i in range(n)
    ]
    session.commit()
    return entries


def _kinds(problems: list[Problem]) -> list[tuple[ProblemKind, int | None]]:
    return [(p.kind, p.entry_id) for p in problems]


def test_appends_form_a_chain_that_verifies(db_session: Session) -> None:
    entries = _append(db_session, 3)
    assert [e.id for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert AuditLog.verify(db_session) == []
    assert AuditLog.head(db_session) == (3, entries[-1].hash)


def test_hash_is_sha256_of_canonical_json(db_session: Session) -> None:
    entry = AuditLog.append(db_session, "key:7", "post.ingest", "post", 42, data={"b": [1, 2], "a": "x"})
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get_one(AuditEntry, entry.id)
    created = stored.created_at.isoformat(timespec="microseconds")
    assert created.endswith("+00:00")
    canonical = (
        '{"actor":"key:7","created_at":"' + created + '","data":{"a":"x","b":[1,2]},"id":1,'
        '"object_id":"42","object_type":"post","prev_hash":"' + GENESIS_HASH + '",'
        '"reason":null,"verb":"post.ingest"}'
    )
    assert stored.hash == hashlib.sha256(canonical.encode()).hexdigest() == entry.hash


def test_data_is_hashed_as_it_reads_back(db_session: Session) -> None:
    AuditLog.append(
        db_session, "system", "x", "t", "1", data={"pair": (1, 2), "nested": {"z": 1.5, "a": None}}
    )
    db_session.commit()
    db_session.expire_all()
    assert AuditLog.verify(db_session) == []


def test_rolled_back_append_leaves_no_trace(db_session: Session) -> None:
    AuditLog.append(db_session, "system", "x", "t", "1")
    db_session.rollback()
    assert AuditLog.head(db_session) == (0, GENESIS_HASH)
    assert _append(db_session, 1)[0].id == 1
    assert AuditLog.verify(db_session) == []


def test_concurrent_appends_keep_one_chain(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    workers, each = 4, 20
    barrier = threading.Barrier(workers)

    def append_many(worker: int) -> None:
        barrier.wait()
        for i in range(each):
            with sessions.begin() as session:
                AuditLog.append(session, f"worker:{worker}", "x", "t", i)

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(append_many, w) for w in range(workers)]:
            future.result()
    with sessions() as session:
        assert AuditLog.verify(session) == []
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        assert list(ids) == list(range(1, workers * each + 1))


def test_edited_entry_is_reported(db_session: Session) -> None:
    _append(db_session, 3)
    db_session.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2"))
    db_session.commit()
    assert _kinds(AuditLog.verify(db_session)) == [(ProblemKind.HASH, 2)]


def test_edited_data_is_reported(db_session: Session) -> None:
    _append(db_session, 3)
    db_session.execute(
        text("UPDATE audit_log SET data = :d WHERE id = 1"), {"d": orjson.dumps({"i": 99}).decode()}
    )
    db_session.commit()
    assert _kinds(AuditLog.verify(db_session)) == [(ProblemKind.HASH, 1)]


def test_edited_and_rehashed_entry_breaks_the_next_link(db_session: Session) -> None:
    _append(db_session, 3)
    db_session.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = 2"))
    db_session.commit()
    db_session.expire_all()
    forged = db_session.get_one(AuditEntry, 2)
    db_session.execute(text("UPDATE audit_log SET hash = :h WHERE id = 2"), {"h": entry_hash(forged)})
    db_session.commit()
    db_session.expire_all()
    assert _kinds(AuditLog.verify(db_session)) == [(ProblemKind.LINK, 3)]


def test_deleted_entry_is_reported_as_a_gap(db_session: Session) -> None:
    _append(db_session, 4)
    db_session.execute(text("DELETE FROM audit_log WHERE id IN (2, 3)"))
    db_session.commit()
    problems = AuditLog.verify(db_session)
    assert _kinds(problems) == [(ProblemKind.GAP, 4)]
    assert "entries 2..3 are missing" in str(problems[0])


def test_deleted_first_entry_is_reported_as_a_gap(db_session: Session) -> None:
    _append(db_session, 2)
    db_session.execute(text("DELETE FROM audit_log WHERE id = 1"))
    db_session.commit()
    assert _kinds(AuditLog.verify(db_session)) == [(ProblemKind.GAP, 2)]


def test_deleted_last_entry_is_reported(db_session: Session) -> None:
    _append(db_session, 3)
    db_session.execute(text("DELETE FROM audit_log WHERE id = 3"))
    db_session.commit()
    problems = AuditLog.verify(db_session)
    assert _kinds(problems) == [(ProblemKind.HEAD, None)]
    assert "the head names entry 3 but the last entry is 2" in str(problems[0])


def test_emptied_log_is_reported(db_session: Session) -> None:
    _append(db_session, 2)
    db_session.execute(text("DELETE FROM audit_log"))
    db_session.commit()
    assert _kinds(AuditLog.verify(db_session)) == [(ProblemKind.HEAD, None)]


def test_rewritten_head_is_caught_by_an_external_anchor(db_session: Session) -> None:
    entries = _append(db_session, 3)
    anchor = entries[-1].hash
    db_session.execute(text("DELETE FROM audit_log WHERE id = 3"))
    db_session.execute(text("UPDATE audit_head SET last_id = 2, last_hash = :h"), {"h": entries[1].hash})
    db_session.commit()
    assert AuditLog.verify(db_session) == []  # consistent, as far as the database alone can tell
    assert _kinds(AuditLog.verify(db_session, anchor)) == [(ProblemKind.ANCHOR, None)]
    assert AuditLog.verify(db_session, entries[1].hash) == []


def _file_db(tmp_path: Path, entries: int) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        _append(session, entries)
    return url, engine


def test_cli_verify_exit_codes(tmp_path: Path) -> None:
    url, engine = _file_db(tmp_path, 3)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert ok.exit_code == 0, ok.output
    assert "audit log ok: 3 entries" in ok.stdout
    head = ok.stdout.split("head: ")[1].strip()
    assert runner.invoke(app, ["audit", "verify", "--database-url", url, "--anchor", head]).exit_code == 0
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET verb = 'x.other' WHERE id = 1"))
        connection.execute(text("DELETE FROM audit_log WHERE id = 3"))
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert broken.exit_code == 1
    assert "entry 1: hash: content does not match its hash" in broken.stderr
    assert "log: head: the head names entry 3 but the last entry is 2" in broken.stderr
    assert "audit log broken: 2 problems in 2 entries" in broken.stderr


def test_cli_verify_as_a_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, engine = _file_db(tmp_path, 2)
    engine.dispose()
    monkeypatch.setenv("INTERDICTOR_DATABASE_URL", url)
    command = [sys.executable, "-m", "interdictor.store.cli", "audit", "verify"]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "audit log ok: 2 entries" in ok.stdout, ok.stderr
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = 1"))
    engine.dispose()
    broken = subprocess.run(command, capture_output=True, text=True, check=False)
    assert broken.returncode == 1 and "entry 2: gap: entries 1..1 are missing" in broken.stderr
