"""Posts in, decisions out: the one path every entry point (HTTP API, stream worker,
make run) takes.

A batch is scored before the database is touched, then written in one transaction:
post (once per platform id), detection, the policy's decision, the platform action in
the outbox, and an audit entry for each. A post already stored is not scored or decided
again; its stored decision is returned, so a retried submission is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from interdictor.actions.payload import PLATFORM_ACTIONS, action_payload
from interdictor.detect.base import Analysis, Post
from interdictor.detect.pipeline import Pipeline
from interdictor.policy import Policy
from interdictor.review.queue import enqueue_from_decision
from interdictor.store import models as m
from interdictor.store.audit import AuditLog, AuditRecord
from interdictor.store.repository import (
    add_decision,
    add_detection,
    enqueue_action,
    ingest_post,
    upsert_account,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one submitted post."""

    post_id: int
    platform_post_id: str
    duplicate: bool
    labels: list[str]
    scores: dict[str, float]
    substances: list[str]
    action: str
    shadow: bool
    rule: str | None
    decision_id: int | None
    action_ids: list[int]

    def to_json(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id,
            "id": self.platform_post_id,
            "duplicate": self.duplicate,
            "labels": self.labels,
            "scores": self.scores,
            "substances": self.substances,
            "action": self.action,
            "shadow": self.shadow,
            "rule": self.rule,
            "decision_id": self.decision_id,
            "action_ids": self.action_ids,
        }


def account_jurisdiction_of(post: Post) -> str | None:
    """The jurisdiction sent with the post's account (``account.jurisdiction``)."""
    account = post.extra.get("account")
    value = account.get("jurisdiction") if isinstance(account, dict) else None
    return str(value).upper() if value else None


def jurisdiction_of(post: Post) -> str | None:
    """The jurisdiction sent with the post, or with its account."""
    value = post.extra.get("jurisdiction")
    return str(value).upper() if value else account_jurisdiction_of(post)


class Processor:
    """Scores, decides and stores posts under one policy."""

    def __init__(
        self, sessions: sessionmaker[Session], policy: Policy, pipeline: Pipeline | None = None
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.pipeline = pipeline or Pipeline.default()

    # Read for every stored post; the pipeline does not change.
    @cached_property
    def model_version(self) -> str:
        return self.pipeline.model_version

    @cached_property
    def lexicon_version(self) -> str:
        return self.pipeline.lexicon_version

    def submit(
        self, posts: Sequence[Post], actor: str = "system", submitted_by: int | None = None
    ) -> list[Outcome]:
        """Process a batch in one transaction; ``actor`` is who submitted it, for the audit log,
        and ``submitted_by`` the id of the API key that did, stored with new posts."""
        analyses = self.pipeline.analyze_batch(list(posts))
        with self.sessions.begin() as session:
            # Lock accounts in one order, so batches sharing authors cannot deadlock; the
            # audit head is locked last, once, when the batch's entries are appended.
            authors = {p.author: account_jurisdiction_of(p) for p in posts if p.author}
            accounts = {a: upsert_account(session, a, authors[a]) for a in sorted(authors)}
            audit: list[AuditRecord] = []
            outcomes = [self._store(session, a, actor, submitted_by, accounts, audit) for a in analyses]
            AuditLog.append_many(session, audit)
            return outcomes

    def _store(
        self,
        session: Session,
        analysis: Analysis,
        actor: str,
        submitted_by: int | None,
        accounts: dict[str, m.Account],
        audit: list[AuditRecord],
    ) -> Outcome:
        post = analysis.post
        jurisdiction = jurisdiction_of(post)
        stored = ingest_post(session, post, jurisdiction, submitted_by=submitted_by, accounts=accounts)
        row = stored.row
        if not stored.created:
            return self._stored_outcome(session, row)
        audit.append(AuditRecord(actor, "post.ingest", "post", row.id, data={"id": post.id}))
        detection = add_detection(session, row.id, analysis, self.model_version, self.lexicon_version)
        account_jurisdiction = row.account.jurisdiction if row.account else None
        decided = self.policy.decide(analysis, jurisdiction or account_jurisdiction, post.surface)
        decision = add_decision(
            session,
            row.id,
            m.ActionKind(decided.action),
            policy_name=decided.policy_name,
            policy_version=decided.policy_version,
            reason=decided.reason,
            detection_id=detection.id,
            rule=decided.rule,
            shadow=decided.shadow,
        )
        audit.append(
            AuditRecord(
                "system",
                "decision.create",
                "decision",
                decision.id,
                reason=decided.reason,
                data={
                    "post_id": row.id,
                    "action": decided.action,
                    "shadow": decided.shadow,
                    "rule": decided.rule,
                },
            )
        )
        enqueue_from_decision(session, decision, audit)
        action_ids = self._enqueue(session, decision, row, analysis, audit)
        return Outcome(
            row.id,
            row.platform_post_id,
            False,
            list(analysis.labels),
            dict(analysis.scores),
            list(analysis.substances),
            decided.action,
            decided.shadow,
            decided.rule,
            decision.id,
            action_ids,
        )

    @staticmethod
    def _enqueue(
        session: Session, decision: m.Decision, post: m.Post, analysis: Analysis, audit: list[AuditRecord]
    ) -> list[int]:
        if decision.shadow or decision.action not in PLATFORM_ACTIONS:
            return []
        payload = action_payload(decision, post, analysis.labels, analysis.substances)
        action = enqueue_action(session, decision, payload).row
        audit.append(AuditRecord("system", "action.enqueue", "action", action.id, data={"kind": action.kind}))
        return [action.id]

    @staticmethod
    def _stored_outcome(session: Session, post: m.Post) -> Outcome:
        decision = session.scalars(
            select(m.Decision).where(m.Decision.post_id == post.id).order_by(m.Decision.id.desc()).limit(1)
        ).first()
        detection = session.scalars(
            select(m.Detection).where(m.Detection.post_id == post.id).order_by(m.Detection.id.desc()).limit(1)
        ).first()
        actions = session.scalars(select(m.Action.id).where(m.Action.post_id == post.id)).all()
        return Outcome(
            post.id,
            post.platform_post_id,
            True,
            list(detection.labels) if detection else [],
            dict(detection.scores) if detection else {},
            list(detection.substances) if detection else [],
            str(decision.action) if decision else "none",
            decision.shadow if decision else False,
            decision.rule if decision else None,
            decision.id if decision else None,
            list(actions),
        )
