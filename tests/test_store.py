"""The store on real SQLite files and a real PostgreSQL: schema, idempotent writes, queries, keys."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from interdictor.detect.base import Analysis, Evidence, Indicator
from interdictor.detect.base import Post as ScannedPost
from interdictor.detect.pipeline import Pipeline
from interdictor.store.audit import AuditLog
from interdictor.store.cli import app
from interdictor.store.db import (
    current_revision,
    database_url,
    head_revision,
    make_engine,
    session_factory,
    upgrade,
)
from interdictor.store.keys import Role, authenticate, create_key, hash_secret, revoke_key
from interdictor.store.models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Base,
    Detection,
    Post,
)
from interdictor.store.repository import (
    add_decision,
    add_detection,
    add_report,
    enqueue_action,
    ingest_post,
    list_decisions,
    list_posts,
    upsert_account,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

HEAD = head_revision()


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _analysis(post_id: str, *labels: str) -> Analysis:
    return Analysis(
        post=ScannedPost(post_id, "text"),
        scores={"drug_sale": 0.9 if "drug_sale" in labels else 0.1, "smuggling_recruitment": 0.0},
        labels=list(labels),
        indicators=[Indicator("telegram", "@plug", "plug", 0, 5)],
        evidence=[Evidence(0, 5, "@plug", "indicator", "Telegram handle")],
    )


# SQLite cannot reflect expression indexes (ix_posts_time); the PostgreSQL run compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(db_engine) == HEAD


def test_upgrade_again_changes_nothing(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERDICTOR_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///interdictor.db"
    monkeypatch.setenv("INTERDICTOR_DATABASE_URL", "postgresql+psycopg://db/x")
    assert database_url() == "postgresql+psycopg://db/x"
    assert make_engine("postgresql://db/x").dialect.driver == "psycopg"


def test_ingest_twice_keeps_one_row(db_session: Session) -> None:
    post = ScannedPost("p1", "first text", "social_post", "en", "acct1", "2024-05-01T12:00:00Z", {"k": 1})
    first = ingest_post(db_session, post, jurisdiction="US-CA")
    db_session.commit()
    again = ingest_post(db_session, ScannedPost("p1", "other text"))
    db_session.commit()
    assert first.created and not again.created
    assert again.row.id == first.row.id and again.row.text == "first text"
    assert _count(db_session, Post) == 1
    row = first.row
    assert (row.surface, row.lang, row.jurisdiction, row.extra) == ("social_post", "en", "US-CA", {"k": 1})
    assert row.created_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert row.account is not None and row.account.platform_account_id == "acct1"


def test_ingest_keeps_an_unreadable_platform_time_in_extra(db_session: Session) -> None:
    stored = ingest_post(db_session, ScannedPost("p1", "t", created_at="yesterday")).row
    db_session.commit()
    assert stored.created_at is None and stored.extra == {"created_at": "yesterday"}


def test_times_read_back_as_utc(db_session: Session) -> None:
    stored = ingest_post(db_session, ScannedPost("p1", "t", created_at="2024-05-01T08:00:00-04:00")).row
    db_session.commit()
    db_session.expire_all()
    again = db_session.get(Post, stored.id)
    assert again is not None and again.created_at is not None
    assert again.created_at.tzinfo is not None and again.created_at.utcoffset() == timedelta(0)
    assert again.created_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert again.received_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(db_session: Session) -> None:
    stored = ingest_post(db_session, ScannedPost("p1", "t")).row
    stored.created_at = datetime(2024, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        db_session.flush()


def test_concurrent_ingest_of_the_same_ids_keeps_one_row_each(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    workers, ids = 4, [f"race{i}" for i in range(15)]
    barrier = threading.Barrier(workers)

    def ingest_all() -> list[tuple[str, bool, int]]:
        results = []
        try:
            for platform_id in ids:
                barrier.wait()  # every worker sends the same id at once
                with sessions.begin() as session:
                    stored = ingest_post(session, ScannedPost(platform_id, "same post"))
                    results.append((platform_id, stored.created, stored.row.id))
        except BaseException:
            barrier.abort()  # let the other workers stop instead of waiting forever
            raise
        return results

    with ThreadPoolExecutor(workers) as pool:
        runs = [f.result() for f in [pool.submit(ingest_all) for _ in range(workers)]]
    for platform_id in ids:
        outcomes = [(created, row_id) for run in runs for pid, created, row_id in run if pid == platform_id]
        assert sum(created for created, _ in outcomes) == 1
        assert len({row_id for _, row_id in outcomes}) == 1
    with sessions() as session:
        assert _count(session, Post) == len(ids)


def test_upsert_account_keeps_jurisdiction_unless_given(db_session: Session) -> None:
    first = upsert_account(db_session, "a1", "MX")
    assert upsert_account(db_session, "a1").jurisdiction == "MX"
    assert upsert_account(db_session, "a1", "US-TX").jurisdiction == "US-TX"
    assert first.jurisdiction == "US-TX"  # the same object, reloaded
    assert _count(db_session, Account) == 1


def test_outbox_keeps_one_row_per_idempotency_key(db_session: Session) -> None:
    post = ingest_post(db_session, ScannedPost("p1", "t")).row
    detection = add_detection(db_session, post.id, _analysis("p1", "drug_sale"), "m1", "l1")
    decision = add_decision(
        db_session,
        post.id,
        ActionKind.REMOVE,
        policy_name="us",
        policy_version="3",
        reason="sale",
        detection_id=detection.id,
        rule="fentanyl",
    )
    first = enqueue_action(db_session, decision, {"post": "p1"})
    db_session.commit()
    again = enqueue_action(db_session, decision, {"post": "changed"})
    label = enqueue_action(db_session, decision, {"post": "p1"}, kind=ActionKind.LABEL)
    db_session.commit()
    assert first.created and not again.created and label.created
    assert again.row.id == first.row.id and again.row.payload == {"post": "p1"}
    assert first.row.idempotency_key == f"{decision.id}:remove"
    assert (first.row.status, first.row.attempts, first.row.post_id) == (ActionStatus.PENDING, 0, post.id)
    assert _count(db_session, Action) == 2


def test_detection_round_trips_a_real_analysis(db_session: Session) -> None:
    text = "🔌 got blues m30s 💊 5 for 100, tap in on tele @plugexample"
    analysis = Pipeline.default().analyze_batch([ScannedPost("p1", text)])[0]
    post = ingest_post(db_session, analysis.post).row
    detection = add_detection(db_session, post.id, analysis, "model-1", "lexicon-1")
    db_session.commit()
    db_session.expire_all()
    detection = db_session.get_one(Detection, detection.id)
    expected = analysis.to_json()
    assert detection.labels == ["drug_sale"] == expected["labels"]
    assert detection.indicators == expected["indicators"]
    assert detection.evidence == expected["evidence"]
    assert detection.scores == analysis.scores


def test_foreign_keys_are_enforced(db_session: Session) -> None:
    with pytest.raises(IntegrityError):
        add_report(db_session, post_id=12345, reason="no such post")


def test_reports_are_stored(db_session: Session) -> None:
    post = ingest_post(db_session, ScannedPost("p1", "t")).row
    report = add_report(db_session, post.id, "selling pills", reporter="u9")
    db_session.commit()
    assert (report.post_id, report.reason, report.reporter) == (post.id, "selling pills", "u9")


def _corpus(session: Session) -> dict[str, Post]:
    """Posts in several places and times, with detections and decisions."""
    upsert_account(session, "ca", "US-CA")
    specs = [
        ("p1", "ca", None, ("drug_sale",), ActionKind.REMOVE, False),
        ("p2", None, "MX", ("smuggling_recruitment",), ActionKind.REVIEW, False),
        ("p3", None, "US", (), ActionKind.NONE, True),
        ("p4", None, "USA", ("drug_sale", "smuggling_recruitment"), ActionKind.REMOVE, True),
    ]
    posts = {}
    for hour, (pid, author, place, labels, action, shadow) in enumerate(specs):
        post = ingest_post(session, ScannedPost(pid, "t", author=author), jurisdiction=place).row
        post.received_at = T0 + timedelta(hours=hour)
        detection = add_detection(session, post.id, _analysis(pid, *labels), "m", "l")
        decision = add_decision(
            session,
            post.id,
            action,
            policy_name="p",
            policy_version="1",
            reason="r",
            detection_id=detection.id,
            shadow=shadow,
        )
        decision.created_at = T0 + timedelta(hours=hour)
        posts[pid] = post
    session.commit()
    return posts


def test_list_posts_filters(db_session: Session) -> None:
    _corpus(db_session)

    def ids(**filters: object) -> list[str]:
        return [p.platform_post_id for p in list_posts(db_session, **filters)]  # type: ignore[arg-type]

    assert ids() == ["p4", "p3", "p2", "p1"]
    assert ids(label="drug_sale") == ["p4", "p1"]
    assert ids(label="smuggling_recruitment") == ["p4", "p2"]
    assert ids(jurisdiction="US") == ["p3", "p1"]  # US-CA is in the US; USA is not
    assert ids(jurisdiction="US-CA") == ["p1"]  # the account's, as the post has none
    assert ids(jurisdiction="MX", label="drug_sale") == []
    assert ids(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == ["p3", "p2"]
    assert ids(limit=2) == ["p4", "p3"]
    assert ids(limit=2, offset=2) == ["p2", "p1"]


def test_list_decisions_filters(db_session: Session) -> None:
    posts = _corpus(db_session)
    by_id = {post.id: pid for pid, post in posts.items()}

    def ids(**filters: object) -> list[str]:
        return [by_id[d.post_id] for d in list_decisions(db_session, **filters)]  # type: ignore[arg-type]

    assert ids() == ["p4", "p3", "p2", "p1"]
    assert ids(action=ActionKind.REMOVE) == ["p4", "p1"]
    assert ids(action=ActionKind.REMOVE, shadow=False) == ["p1"]
    assert ids(shadow=True) == ["p4", "p3"]
    assert ids(label="smuggling_recruitment", jurisdiction="MX") == ["p2"]
    assert ids(jurisdiction="US") == ["p3", "p1"]
    assert ids(since=T0 + timedelta(hours=2)) == ["p4", "p3"]
    assert ids(until=T0 + timedelta(hours=1)) == ["p1"]
    assert ids(limit=1, offset=1) == ["p3"]


def test_keys_authenticate_until_revoked(db_session: Session) -> None:
    key, secret = create_key(db_session, "moderation team", Role.REVIEWER, actor="user:ana")
    db_session.commit()
    assert secret.startswith("idk_") and len(secret) > 40
    assert key.key_hash == hash_secret(secret) and secret not in key.key_hash
    found = authenticate(db_session, secret)
    assert found is not None and (found.id, found.role) == (key.id, Role.REVIEWER)
    assert authenticate(db_session, secret + "x") is None
    assert authenticate(db_session, "not-a-key") is None
    other, other_secret = create_key(db_session, "integrator", Role.INTEGRATOR)
    revoked = revoke_key(db_session, key.id, actor="user:ana", reason="rotated")
    db_session.commit()
    assert revoked is not None and revoked.revoked_at is not None
    assert authenticate(db_session, secret) is None
    assert authenticate(db_session, other_secret) is not None
    assert revoke_key(db_session, 999) is None
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.verb, e.object_id) for e in entries] == [
        ("user:ana", "apikey.create", str(key.id)),
        ("system", "apikey.create", str(other.id)),
        ("user:ana", "apikey.revoke", str(key.id)),
    ]
    assert entries[0].data == {"name": "moderation team", "role": "reviewer"}
    assert AuditLog.verify(db_session) == []


def test_cli_upgrades_and_creates_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"revision {HEAD}" in upgraded.stdout
    created = runner.invoke(app, ["keys", "create", "ops", "--role", "le_liaison", "--database-url", url])
    assert created.exit_code == 0, created.output
    secret = created.stdout.split()[-1]
    engine = make_engine(url)
    with session_factory(engine)() as session:
        key = authenticate(session, secret)
        assert key is not None and (key.name, key.role) == ("ops", Role.LE_LIAISON)
    revoked = runner.invoke(app, ["keys", "revoke", str(key.id), "--database-url", url])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(app, ["keys", "revoke", "999", "--database-url", url]).exit_code == 1
    with session_factory(engine)() as session:
        assert authenticate(session, secret) is None
    engine.dispose()
    bad_role = runner.invoke(app, ["keys", "create", "x", "--role", "god", "--database-url", url])
    assert bad_role.exit_code == 2
