"""The review console's domain on real SQLite and PostgreSQL: users, the queue, verdicts, appeals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from interdictor.detect.base import Post
from interdictor.ingest.service import Processor
from interdictor.policy import Policy, load_policy
from interdictor.review.appeals import AppealConflict, decide_appeal, file_appeal
from interdictor.review.queue import (
    LockError,
    claim,
    decide,
    enqueue_from_decision,
    export_labelled,
    next_items,
    sync_queue,
)
from interdictor.review.users import authenticate, create_user, disable_user
from interdictor.store import models as m
from interdictor.store.audit import AuditLog
from interdictor.store.db import session_factory
from interdictor.store.repository import add_report

REVIEW_POLICY = load_policy("review_all")
REMOVE_SALES = """
name: remove-sales
version: "1"
mode: enforce
jurisdictions:
  default:
    rules:
      - {name: sale, action: remove, label: drug_sale}
"""

FENTANYL = "blues M30 $20 each, DM to order"
PERCS = "pressed percs for sale, fast shipping, telegram @plug"
XANAX = "selling xanax bars 2mg, cashapp only, hmu"
TIRES = "Snow tires for sale, 4 Blizzaks, $300"


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return session_factory(db_engine)


@pytest.fixture
def processor(sessions: sessionmaker[Session]) -> Processor:
    return Processor(sessions, REVIEW_POLICY)


@pytest.fixture
def reviewers(sessions: sessionmaker[Session]) -> Iterator[tuple[m.User, m.User]]:
    with sessions.begin() as session:
        alice = create_user(session, "alice", "alice-secret-1", m.Role.REVIEWER)
        bob = create_user(session, "bob", "bob-secret-2", m.Role.REVIEWER)
    with sessions() as session:
        yield session.get_one(m.User, alice.id), session.get_one(m.User, bob.id)


def _queue(processor: Processor, *texts: str, extra: dict[str, object] | None = None) -> list[int]:
    """Submit posts (ids p0, p1, ...) and open their queue items; returns the review item ids in
    submission order."""
    outcomes = processor.submit(
        [Post(f"p{n}", t, lang="en", extra=dict(extra or {})) for n, t in enumerate(texts)]
    )
    with processor.sessions.begin() as session:
        sync_queue(session)
        items = {i.post_id: i.id for i in session.scalars(select(m.ReviewItem))}
    return [items[o.post_id] for o in outcomes if o.post_id in items]


def _verbs(session: Session) -> list[str]:
    return list(session.scalars(select(m.AuditEntry.verb).order_by(m.AuditEntry.id)))


def test_review_decisions_and_reports_open_items_once(processor: Processor) -> None:
    outcomes = processor.submit([Post("a", FENTANYL), Post("b", TIRES)])
    assert [o.action for o in outcomes] == ["review", "none"]
    with processor.sessions.begin() as session:
        # The Processor opened the item with the decision; syncing finds nothing missing.
        opened = list(session.scalars(select(m.ReviewItem)))
        assert [(i.post_id, i.kind, i.status) for i in opened] == [(outcomes[0].post_id, "review", "open")]
        assert sync_queue(session) == []
        # Calling the hook again returns the existing item instead of a second one.
        decision = session.get_one(m.Decision, outcomes[0].decision_id)
        assert enqueue_from_decision(session, decision) == opened[0]
        none_decision = session.get_one(m.Decision, outcomes[1].decision_id)
        assert enqueue_from_decision(session, none_decision) is None
        add_report(session, outcomes[1].post_id, "looks like a scam", reporter="u1")
        add_report(session, outcomes[1].post_id, "spam", reporter="u2")
        reported = sync_queue(session)
        assert [(i.post_id, i.kind) for i in reported] == [(outcomes[1].post_id, "report")]
        assert sync_queue(session) == []
        assert "review.open" in _verbs(session)
        assert AuditLog.verify(session) == []


def test_fentanyl_comes_first_and_filters_narrow_the_queue(
    processor: Processor, reviewers: tuple[m.User, m.User]
) -> None:
    alice, _ = reviewers
    # Submitted (and so waiting) first, a higher score and a large reach: fentanyl still wins.
    percs, xanax = _queue(processor, PERCS, XANAX, extra={"reach": 100_000, "jurisdiction": "US-CA"})
    (fentanyl,) = processor.submit([Post("f", FENTANYL, lang="es")])[:1]
    with processor.sessions.begin() as session:
        sync_queue(session)
        queue = next_items(session, alice)
        assert session.get_one(m.ReviewItem, queue[0].id).post_id == fentanyl.post_id
        assert {i.id for i in queue[1:]} == {percs, xanax}
        assert [i.post_id for i in next_items(session, alice, lang="es")] == [fentanyl.post_id]
        assert {i.id for i in next_items(session, alice, jurisdiction="US")} == {percs, xanax}
        assert next_items(session, alice, jurisdiction="MX") == []
        assert len(next_items(session, alice, label="drug_sale")) == 3
        assert next_items(session, alice, label="smuggling_recruitment") == []
        assert next_items(session, alice, kinds=[m.ReviewKind.REPORT]) == []
        assert len(next_items(session, alice, limit=2)) == 2


def test_a_claim_locks_out_others_until_it_expires(
    processor: Processor, reviewers: tuple[m.User, m.User]
) -> None:
    alice, bob = reviewers
    (item_id,) = _queue(processor, FENTANYL)
    with processor.sessions.begin() as session:
        claimed = claim(session, item_id, alice)
        assert claimed is not None and claimed.locked_by == alice.id and claimed.status == "locked"
        first_until = claimed.locked_until
    with processor.sessions.begin() as session:
        assert claim(session, item_id, bob) is None
        assert next_items(session, bob) == []
        assert [i.id for i in next_items(session, alice)] == [item_id]
        with pytest.raises(LockError):
            decide(session, item_id, bob, "not_violating")
    with processor.sessions.begin() as session:
        extended = claim(session, item_id, alice, ttl_s=1200)
        assert extended is not None and first_until is not None and extended.locked_until is not None
        assert extended.locked_until > first_until
        # A lock of no time has expired as soon as it is taken: the item is free again.
        assert claim(session, item_id, alice, ttl_s=0) is not None
    with processor.sessions.begin() as session:
        taken = claim(session, item_id, bob)
        assert taken is not None and taken.locked_by == bob.id
        with pytest.raises(LockError):
            decide(session, item_id, alice, "violating", "remove")


def test_a_violating_verdict_decides_enqueues_and_audits(
    processor: Processor, reviewers: tuple[m.User, m.User]
) -> None:
    alice, _ = reviewers
    (item_id,) = _queue(processor, FENTANYL)
    with processor.sessions.begin() as session:
        claim(session, item_id, alice)
        with pytest.raises(ValueError, match="needs an action"):
            decide(session, item_id, alice, "violating")
        with pytest.raises(ValueError, match="unknown labels"):
            decide(session, item_id, alice, "violating", "remove", labels=["spam"])
        decision = decide(session, item_id, alice, "violating", "remove", note="pill sale")
    with processor.sessions() as session:
        decision = session.get_one(m.Decision, decision.id)
        assert (decision.actor, decision.policy_name, decision.rule, decision.reason) == (
            "user:alice",
            "human",
            None,
            "pill sale",
        )
        assert decision.action == "remove" and decision.detection_id is None
        (action,) = session.scalars(select(m.Action)).all()
        assert (action.kind, action.decision_id, action.status) == ("remove", decision.id, "pending")
        assert action.payload["labels"] == ["drug_sale"] and action.payload["substances"] == ["fentanyl"]
        assert action.payload["post_id"] == "p0" and action.payload["reason"] == "pill sale"
        item = session.get_one(m.ReviewItem, item_id)
        assert item.status == "done" and item.closed_at is not None
        assert _verbs(session)[-4:] == ["review.claim", "decision.create", "review.decide", "action.enqueue"]
        assert AuditLog.verify(session) == []
    with processor.sessions.begin() as session, pytest.raises(LockError):
        decide(session, item_id, alice, "not_violating")


def test_export_gives_the_human_verdicts_as_labelled_examples(
    processor: Processor, reviewers: tuple[m.User, m.User]
) -> None:
    alice, _ = reviewers
    fentanyl, xanax, percs = _queue(processor, FENTANYL, XANAX, PERCS)
    with processor.sessions.begin() as session:
        for item_id in (fentanyl, xanax, percs):
            claim(session, item_id, alice)
        decide(session, fentanyl, alice, "violating", "label")
        decide(session, xanax, alice, "not_violating", note="harm reduction post")
        decide(session, percs, alice, "escalate", note="supplier network")
        (escalated,) = next_items(session, alice, kinds=[m.ReviewKind.ESCALATE])
        assert escalated.post_id == session.get_one(m.ReviewItem, percs).post_id
        assert list(export_labelled(session)) == [
            {
                "id": "p0",
                "text": FENTANYL,
                "lang": "en",
                "surface": None,
                "labels": ["drug_sale"],
                "substances": ["fentanyl"],
                "source": "review:violating",
            },
            {
                "id": "p1",
                "text": XANAX,
                "lang": "en",
                "surface": None,
                "labels": [],
                "substances": [],
                "source": "review:not_violating",
            },
        ]
        assert AuditLog.verify(session) == []


def test_an_appeal_is_decided_by_another_reviewer_and_a_reversal_is_sent(
    processor: Processor, reviewers: tuple[m.User, m.User]
) -> None:
    alice, bob = reviewers
    removed, labelled = _queue(processor, FENTANYL, XANAX)
    with processor.sessions.begin() as session:
        claim(session, removed, alice)
        claim(session, labelled, alice)
        removal = decide(session, removed, alice, "violating", "remove")
        decide(session, labelled, alice, "violating", "label")
        post_id = removal.post_id
        appeal = file_appeal(session, post_id, "platform-user-7", "it was a joke")
        assert file_appeal(session, post_id, "platform-user-7", "again") == appeal
        (item,) = next_items(session, bob, kinds=[m.ReviewKind.APPEAL])
        assert (item.post_id, item.decision_id) == (post_id, removal.id)
        assert claim(session, item.id, bob) is not None
        with pytest.raises(ValueError, match="decide_appeal"):
            decide(session, item.id, bob, "not_violating")
    with processor.sessions.begin() as session, pytest.raises(AppealConflict):
        decide_appeal(session, appeal.id, alice, upheld=False, note="my mistake")
    with processor.sessions.begin() as session:
        decided = decide_appeal(session, appeal.id, bob, upheld=False, note="satire account")
        assert (decided.status, decided.decided_by) == ("reversed", bob.id)
        with pytest.raises(AppealConflict, match="decided already"):
            decide_appeal(session, appeal.id, bob, upheld=True, note="changed my mind")
    with processor.sessions() as session:
        reversal = session.scalars(
            select(m.Action).where(m.Action.idempotency_key == f"reversal:{appeal.id}")
        ).one()
        assert reversal.kind == "none"
        assert reversal.payload == {"action": "reverse", "reverses_decision_id": removal.id, "post_id": "p0"}
        undo = session.get_one(m.Decision, reversal.decision_id)
        assert (undo.action, undo.actor, undo.reason) == (
            "none",
            "user:bob",
            "appeal reversed: satire account",
        )
        assert session.get_one(m.ReviewItem, item.id).status == "done"
        assert {"appeal.file", "appeal.decide"} <= set(_verbs(session))
        assert AuditLog.verify(session) == []
        assert [e["source"] for e in export_labelled(session)] == [
            "review:violating",
            "review:violating",
            "review:not_violating",
        ]
    with processor.sessions.begin() as session:
        upheld = file_appeal(session, labelled_post(session, labelled), "platform-user-8", "not a sale")
        assert decide_appeal(session, upheld.id, bob, upheld=True, note="it is a sale").status == "upheld"
        assert session.scalars(select(m.Action.id).where(m.Action.kind == "none")).all() == [reversal.id]


def labelled_post(session: Session, item_id: int) -> int:
    return session.get_one(m.ReviewItem, item_id).post_id


def test_only_a_post_acted_on_can_be_appealed(processor: Processor, reviewers: tuple[m.User, m.User]) -> None:
    alice, _ = reviewers
    (queued,) = processor.submit([Post("r", FENTANYL)])
    with processor.sessions.begin() as session, pytest.raises(ValueError, match="no decision in force"):
        file_appeal(session, queued.post_id, "platform-user-9", "unfair")
    removing = Processor(processor.sessions, Policy.from_yaml(REMOVE_SALES))
    (removed,) = removing.submit([Post("s", FENTANYL)])
    with processor.sessions.begin() as session:
        # The policy, not a person, decided: any reviewer may decide the appeal.
        appeal = file_appeal(session, removed.post_id, "platform-user-9", "unfair")
        assert decide_appeal(session, appeal.id, alice, upheld=True, note="pill sale").status == "upheld"
        assert AuditLog.verify(session) == []


def test_passwords_are_argon2_hashes_and_wrong_ones_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        user = create_user(session, "carol", "correct horse", m.Role.ANALYST)
        assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
        assert authenticate(session, "carol", "correct horse") == user
        assert authenticate(session, "carol", "wrong horse") is None
        assert authenticate(session, "nobody", "correct horse") is None
        # A hash made with weaker parameters is replaced on the next good sign-in.
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse")
        weak = user.password_hash
        assert authenticate(session, "carol", "correct horse") == user
        assert user.password_hash != weak and PasswordHasher().verify(user.password_hash, "correct horse")
        disable_user(session, user.id, actor="user:admin", reason="left the team")
        assert authenticate(session, "carol", "correct horse") is None
        with pytest.raises(PermissionError):
            claim(session, 1, user)
        assert _verbs(session) == [
            "user.create",
            "user.login",
            "user.login_failed",
            "user.login_failed",
            "user.login",
            "user.disable",
            "user.login_failed",
        ]
        assert AuditLog.verify(session) == []
