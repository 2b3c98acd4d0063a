"""Appeals: a platform user contests a decision that acted on their post; another person decides.

A reversal is a new human decision (action ``none``) plus an outbox action telling the
platform to undo the appealed one; an upheld appeal changes nothing on the platform.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interdictor.actions.payload import PLATFORM_ACTIONS
from interdictor.review.queue import (
    HUMAN_POLICY,
    HUMAN_POLICY_VERSION,
    LockError,
    appeal_item,
    enqueue_appeal,
)
from interdictor.review.users import require_active
from interdictor.store.audit import AuditLog, AuditRecord
from interdictor.store.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    Decision,
    Post,
    ReviewStatus,
    User,
    utcnow,
)
from interdictor.store.repository import add_decision, enqueue_action

__all__ = ["AppealConflict", "decide_appeal", "file_appeal"]


class AppealConflict(ValueError):
    """The appeal cannot be decided by this user, or not any more."""


class NothingToAppeal(ValueError):
    """The post has no decision in force that acted on the platform."""


def _acting_decision(session: Session, post_id: int) -> Decision:
    """The post's latest enforced decision, which must have acted on the platform."""
    decision = session.scalars(
        select(Decision)
        .where(Decision.post_id == post_id, Decision.shadow.is_(False))
        .order_by(Decision.id.desc())
        .limit(1)
    ).first()
    if decision is None or decision.action not in PLATFORM_ACTIONS:
        raise NothingToAppeal(
            f"post {post_id} has no decision in force that removed, restricted or labelled it"
        )
    return decision


def file_appeal(session: Session, post_id: int, appellant: str, reason: str, actor: str = "system") -> Appeal:
    """Appeal the decision in force on a post (remove, restrict or label, by policy or person)
    and open an ``appeal`` review item; an open appeal against the same decision is returned
    as it is. ``actor`` is who relayed it (e.g. ``key:<id>``), for the audit log."""
    if session.get(Post, post_id) is None:
        raise LookupError(f"no post {post_id}")
    decision = _acting_decision(session, post_id)
    existing = session.scalars(
        select(Appeal).where(Appeal.decision_id == decision.id, Appeal.status == AppealStatus.OPEN)
    ).first()
    if existing is not None:
        return existing
    appeal = Appeal(post_id=post_id, decision_id=decision.id, appellant=appellant, reason=reason)
    session.add(appeal)
    session.flush()
    records = [
        AuditRecord(
            actor,
            "appeal.file",
            "appeal",
            appeal.id,
            reason=reason,
            data={"post_id": post_id, "decision_id": decision.id, "appellant": appellant},
        )
    ]
    enqueue_appeal(session, appeal, records)
    AuditLog.append_many(session, records)
    return appeal


def decide_appeal(session: Session, appeal_id: int, user: User, upheld: bool, note: str) -> Appeal:
    """Uphold or reverse an open appeal and close its review item.

    The person who made the appealed decision may not decide the appeal
    (:class:`AppealConflict`), nor may anyone while another reviewer holds the item
    (:class:`LockError`). Reversing records a human decision with action ``none`` and puts
    a reversal in the outbox, once per appeal.
    """
    require_active(user)
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise LookupError(f"no appeal {appeal_id}")
    appealed = session.get_one(Decision, appeal.decision_id)
    if appealed.actor == user.actor:
        raise AppealConflict(f"{user.username} made the appealed decision; another reviewer must decide")
    item = appeal_item(session, appeal.id)
    now = utcnow()
    if item.locked_by not in (None, user.id) and item.locked_until is not None and item.locked_until > now:
        raise LockError(f"appeal {appeal_id} is being reviewed by someone else")
    status = AppealStatus.UPHELD if upheld else AppealStatus.REVERSED
    # Conditional on still being open, so two deciders cannot both decide it.
    decided = session.execute(
        update(Appeal)
        .where(Appeal.id == appeal_id, Appeal.status == AppealStatus.OPEN)
        .values(status=status, decided_by=user.id, decided_at=now)
        .returning(Appeal.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if decided is None:
        raise AppealConflict(f"appeal {appeal_id} is decided already")
    item.status, item.closed_at = ReviewStatus.DONE, now
    records = [
        AuditRecord(
            user.actor,
            "appeal.decide",
            "appeal",
            appeal.id,
            reason=note,
            data={"status": status, "decision_id": appealed.id, "review_item_id": item.id},
        )
    ]
    if not upheld:
        records += _reverse(session, appeal, appealed, user, note)
    session.flush()
    AuditLog.append_many(session, records)
    session.refresh(appeal)
    return appeal


def _reverse(
    session: Session, appeal: Appeal, appealed: Decision, user: User, note: str
) -> list[AuditRecord]:
    """Record the reversal decision and queue the platform's undo; the audit records for both."""
    post = session.get_one(Post, appeal.post_id)
    reversal = add_decision(
        session,
        post.id,
        ActionKind.NONE,
        policy_name=HUMAN_POLICY,
        policy_version=HUMAN_POLICY_VERSION,
        reason=f"appeal reversed: {note}",
        actor=user.actor,
    )
    payload = {"action": "reverse", "reverses_decision_id": appealed.id, "post_id": post.platform_post_id}
    outbox = enqueue_action(
        session, reversal, payload, kind=ActionKind.NONE, idempotency_key=f"reversal:{appeal.id}"
    ).row
    return [
        AuditRecord(
            user.actor,
            "decision.create",
            "decision",
            reversal.id,
            reason=reversal.reason,
            data={"post_id": post.id, "action": ActionKind.NONE, "shadow": False, "rule": None},
        ),
        AuditRecord(
            user.actor,
            "action.enqueue",
            "action",
            outbox.id,
            data={"kind": outbox.kind, "reverses_decision_id": appealed.id},
        ),
    ]
