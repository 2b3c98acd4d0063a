"""The review queue: what waits for a human look, in which order, who holds it, and the verdicts.

Items are opened by review and escalate decisions, by user reports and by appeals, once per
source (``source_key`` is unique, so opening twice, even concurrently, yields one row).

Priority, fixed when an item is opened (higher is seen first)::

    priority = 10 * top_score                   # highest detector score of the post, 0..1
             + 20 * fentanyl                    # 1 when fentanyl is among the substances
             + 1 * log10(1 + reach)             # extra "reach", else "followers" (post or account)
             + kind weight                      # escalate 3 > appeal 2.5 > review 2 > report 1
             - 0.1 * hours(opened_at - 2025-01-01)

The last term ranks waiting time: every item's age is ``now - opened_at`` with the same
``now``, so ordering by the stored number is ordering by ``... + 0.1 * hours waited``
without recomputing anything; an item gains a point every ten hours it waits. Fentanyl
outweighs any score, reach or kind difference, so fentanyl posts come first unless another
item has waited about eight days longer.

A reviewer claims an item for a while (a lock with an expiry); only the holder may decide
it. A verdict is a :class:`~interdictor.store.models.Decision` by ``user:<name>`` under
the policy name ``human``, with its platform action in the outbox.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session

from interdictor.actions.payload import PLATFORM_ACTIONS, action_payload
from interdictor.detect.base import LABELS
from interdictor.review.users import require_active
from interdictor.store.audit import AuditLog, AuditRecord
from interdictor.store.models import (
    Account,
    Action,
    ActionKind,
    Appeal,
    Decision,
    Detection,
    Post,
    ReviewItem,
    ReviewKind,
    ReviewStatus,
    User,
    UserReport,
    utcnow,
)
from interdictor.store.repository import (
    Stored,
    add_decision,
    enqueue_action,
    has_label,
    in_jurisdiction,
    insert_once,
)

HUMAN_POLICY = "human"
"""``policy_name`` of decisions made by people."""
HUMAN_POLICY_VERSION = "1"

SCORE_WEIGHT = 10.0
FENTANYL_WEIGHT = 20.0
REACH_WEIGHT = 1.0
WAIT_WEIGHT_PER_HOUR = 0.1
WAIT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
KIND_WEIGHT = {
    ReviewKind.ESCALATE: 3.0,
    ReviewKind.APPEAL: 2.5,
    ReviewKind.REVIEW: 2.0,
    ReviewKind.REPORT: 1.0,
}
QUEUED_ACTIONS = {ActionKind.REVIEW: ReviewKind.REVIEW, ActionKind.ESCALATE: ReviewKind.ESCALATE}


class Verdict(StrEnum):
    """What a reviewer found."""

    VIOLATING = "violating"
    NOT_VIOLATING = "not_violating"
    ESCALATE = "escalate"


class LockError(PermissionError):
    """The item is not locked to this user (never claimed, claimed by another, or expired)."""


def reach_of(post: Post) -> float:
    """How many people the post reaches: ``reach``, else ``followers`` (of the post or its
    account) from the platform's extra fields; 0 when absent or not a non-negative number."""
    account = post.extra.get("account")
    candidates = [post.extra.get("reach"), post.extra.get("followers")]
    if isinstance(account, dict):
        candidates.append(account.get("followers"))
    for value in candidates:
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return 0.0


def priority(kind: ReviewKind, post: Post, detection: Detection | None, opened_at: datetime) -> float:
    """The item's priority (the formula is in the module docstring)."""
    top = max((float(s) for s in detection.scores.values()), default=0.0) if detection else 0.0
    fentanyl = detection is not None and "fentanyl" in detection.substances
    waited_since_epoch = (opened_at - WAIT_EPOCH).total_seconds() / 3600
    return (
        SCORE_WEIGHT * top
        + FENTANYL_WEIGHT * fentanyl
        + REACH_WEIGHT * math.log10(1 + reach_of(post))
        + KIND_WEIGHT[kind]
        - WAIT_WEIGHT_PER_HOUR * waited_since_epoch
    )


def _latest_detection(session: Session, post_id: int) -> Detection | None:
    query = select(Detection).where(Detection.post_id == post_id).order_by(Detection.id.desc()).limit(1)
    return session.scalars(query).first()


def detection_for(session: Session, post_id: int, decision: Decision | None) -> Detection | None:
    """The detection a decision was made on, else the post's latest."""
    if decision is not None and decision.detection_id is not None:
        return session.get(Detection, decision.detection_id)
    return _latest_detection(session, post_id)


def _write(session: Session, audit: list[AuditRecord] | None, records: Sequence[AuditRecord]) -> None:
    """Append ``records`` to the caller's pending ``audit`` list, or to the log now."""
    if audit is None:
        AuditLog.append_many(session, records)
    else:
        audit.extend(records)


def _open(
    session: Session,
    source_key: str,
    kind: ReviewKind,
    post_id: int,
    decision: Decision | None,
    audit: list[AuditRecord] | None,
) -> Stored[ReviewItem]:
    """Open the item for ``source_key`` unless it exists; audited when opened."""
    post = session.get_one(Post, post_id)
    now = utcnow()
    values = {
        "post_id": post_id,
        "decision_id": decision.id if decision else None,
        "source_key": source_key,
        "kind": kind,
        "status": ReviewStatus.OPEN,
        "priority": priority(kind, post, detection_for(session, post_id, decision), now),
        "created_at": now,
    }
    stored = insert_once(session, ReviewItem, "source_key", values)
    if stored.created:
        data = {"post_id": post_id, "kind": kind, "source": source_key, "priority": stored.row.priority}
        _write(
            session, audit, [AuditRecord("system", "review.open", "review_item", stored.row.id, data=data)]
        )
    return stored


def _open_for_decision(
    session: Session, decision: Decision, audit: list[AuditRecord] | None
) -> Stored[ReviewItem] | None:
    kind = QUEUED_ACTIONS.get(decision.action)
    if kind is None or decision.shadow:
        return None
    return _open(session, f"decision:{decision.id}", kind, decision.post_id, decision, audit)


def enqueue_from_decision(
    session: Session, decision: Decision, audit: list[AuditRecord] | None = None
) -> ReviewItem | None:
    """Open the queue item a ``review`` or ``escalate`` decision calls for (None for others and
    for shadow decisions); the existing item when it is open already.

    This is also the Processor's hook: called right after ``add_decision`` with the batch's
    pending ``audit`` list, the item is opened in the same transaction and audited with it.
    """
    stored = _open_for_decision(session, decision, audit)
    return stored.row if stored else None


def _report_covered(report_post_id: Any, report_time: Any) -> ColumnElement[bool]:
    """A report item for the post that was still open when the report came in (or opened after)."""
    return exists(
        select(ReviewItem.id).where(
            ReviewItem.kind == ReviewKind.REPORT,
            ReviewItem.post_id == report_post_id,
            or_(ReviewItem.closed_at.is_(None), ReviewItem.closed_at >= report_time),
        )
    )


def _open_for_report(
    session: Session, report: UserReport, audit: list[AuditRecord] | None
) -> Stored[ReviewItem] | None:
    if session.scalar(select(_report_covered(report.post_id, report.created_at))):
        return None
    return _open(session, f"report:{report.id}", ReviewKind.REPORT, report.post_id, None, audit)


def enqueue_from_report(
    session: Session, report: UserReport, audit: list[AuditRecord] | None = None
) -> ReviewItem | None:
    """Open a ``report`` item for the reported post, unless a report item for it is open
    (or was open when the report came in): None then."""
    stored = _open_for_report(session, report, audit)
    return stored.row if stored else None


def appeal_item(session: Session, appeal_id: int) -> ReviewItem:
    """The review item through which an appeal is decided (see :func:`enqueue_appeal`)."""
    return session.scalars(select(ReviewItem).where(ReviewItem.source_key == f"appeal:{appeal_id}")).one()


def enqueue_appeal(session: Session, appeal: Appeal, audit: list[AuditRecord] | None = None) -> ReviewItem:
    """Open the ``appeal`` item for an appeal (the existing one if opened already)."""
    decision = session.get_one(Decision, appeal.decision_id)
    return _open(session, f"appeal:{appeal.id}", ReviewKind.APPEAL, appeal.post_id, decision, audit).row


def sync_queue(session: Session) -> list[ReviewItem]:
    """Open the items missing for review/escalate decisions and user reports; returns those
    opened. Running it again opens nothing new."""
    has_item = exists(
        select(ReviewItem.id).where(
            ReviewItem.decision_id == Decision.id, ReviewItem.kind != ReviewKind.APPEAL
        )
    )
    decisions = session.scalars(
        select(Decision)
        .where(Decision.action.in_(list(QUEUED_ACTIONS)), Decision.shadow.is_(False), ~has_item)
        .order_by(Decision.id)
    ).all()
    reports = session.scalars(
        select(UserReport)
        .where(~_report_covered(UserReport.post_id, UserReport.created_at))
        .order_by(UserReport.id)
    ).all()
    opened: list[ReviewItem] = []
    audit: list[AuditRecord] = []
    for decision in decisions:
        stored = _open_for_decision(session, decision, audit)
        if stored and stored.created:
            opened.append(stored.row)
    for report in reports:
        stored = _open_for_report(session, report, audit)
        if stored and stored.created:
            opened.append(stored.row)
    AuditLog.append_many(session, audit)
    return opened


def _claimable_by(user_id: int, now: datetime) -> ColumnElement[bool]:
    """Not locked to anyone else: never claimed, claimed by this user, or the lock has expired."""
    return or_(
        ReviewItem.locked_by.is_(None), ReviewItem.locked_by == user_id, ReviewItem.locked_until <= now
    )


def next_items(
    session: Session,
    user: User,
    label: str | None = None,
    jurisdiction: str | None = None,
    lang: str | None = None,
    kinds: Collection[ReviewKind] | None = None,
    limit: int = 50,
) -> Sequence[ReviewItem]:
    """Undecided items this user may take, highest priority first, filtered by the post's
    detected label, jurisdiction ("US" includes "US-CA"), language and item kinds."""
    query = (
        select(ReviewItem)
        .join(Post, ReviewItem.post_id == Post.id)
        .outerjoin(Account, Post.account_id == Account.id)
        .where(ReviewItem.status != ReviewStatus.DONE, _claimable_by(user.id, utcnow()))
        .order_by(ReviewItem.priority.desc(), ReviewItem.id)
    )
    if label is not None:
        query = query.where(has_label(session, label))
    if jurisdiction is not None:
        query = query.where(in_jurisdiction(jurisdiction))
    if lang is not None:
        query = query.where(Post.lang == lang)
    if kinds is not None:
        query = query.where(ReviewItem.kind.in_([ReviewKind(k) for k in kinds]))
    return session.scalars(query.limit(limit)).all()


def claim(session: Session, item_id: int, user: User, ttl_s: int = 600) -> ReviewItem | None:
    """Lock an undecided item to ``user`` for ``ttl_s`` seconds; None while another user's lock
    is live (or the item is decided or missing). Claiming one's own item again extends the lock.

    One conditional UPDATE decides it, so of two concurrent claimers exactly one wins.
    """
    require_active(user)
    if ttl_s < 0:
        raise ValueError("ttl_s must not be negative")
    now = utcnow()
    until = now + timedelta(seconds=ttl_s)
    claimed = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.status != ReviewStatus.DONE, _claimable_by(user.id, now))
        .values(status=ReviewStatus.LOCKED, locked_by=user.id, locked_until=until)
        .returning(ReviewItem.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        return None
    AuditLog.append(
        session, user.actor, "review.claim", "review_item", item_id, data={"until": until.isoformat()}
    )
    return session.get_one(ReviewItem, item_id, populate_existing=True)


def _close_locked(session: Session, item_id: int, user: User) -> ReviewItem:
    """Mark an item done if ``user`` holds its live lock; :class:`LockError` otherwise."""
    now = utcnow()
    closed = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item_id,
            ReviewItem.status == ReviewStatus.LOCKED,
            ReviewItem.locked_by == user.id,
            ReviewItem.locked_until > now,
        )
        .values(status=ReviewStatus.DONE, closed_at=now)
        .returning(ReviewItem.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if closed is None:
        raise LockError(f"review item {item_id} is not locked to {user.username}: claim it first")
    return session.get_one(ReviewItem, item_id, populate_existing=True)


def _verdict_action(verdict: Verdict, action: ActionKind | str | None) -> ActionKind:
    if verdict is Verdict.VIOLATING:
        if action is None or ActionKind(action) not in PLATFORM_ACTIONS:
            raise ValueError("a violating verdict needs an action: remove, restrict or label")
        return ActionKind(action)
    if action is not None:
        raise ValueError(f"a {verdict} verdict takes no action")
    return ActionKind.ESCALATE if verdict is Verdict.ESCALATE else ActionKind.NONE


def decide(
    session: Session,
    item_id: int,
    user: User,
    verdict: Verdict | str,
    action: ActionKind | str | None = None,
    note: str | None = None,
    labels: Sequence[str] | None = None,
) -> Decision:
    """Record the lock holder's verdict on an item and close it.

    ``violating`` needs an action (remove, restrict, label), which goes to the outbox with
    the detection's labels, or ``labels`` when given; ``escalate`` opens an escalate item.
    Raises :class:`LockError` unless ``user`` holds the item's live lock, ``LookupError``
    for a missing item and ``ValueError`` for a verdict that does not fit.
    """
    require_active(user)
    verdict = Verdict(verdict)
    decided = _verdict_action(verdict, action)
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise LookupError(f"no review item {item_id}")
    if item.kind == ReviewKind.APPEAL:
        raise ValueError("appeal items are decided with review.appeals.decide_appeal")
    source = session.get(Decision, item.decision_id) if item.decision_id is not None else None
    detection = detection_for(session, item.post_id, source)
    found = list(labels) if labels is not None else list(detection.labels) if detection else []
    if unknown := set(found) - set(LABELS):
        raise ValueError(f"unknown labels {sorted(unknown)}; known: {list(LABELS)}")
    if verdict is Verdict.VIOLATING and not found:
        raise ValueError("a violating verdict needs labels: the detection found none, give them")
    item = _close_locked(session, item_id, user)
    post = session.get_one(Post, item.post_id)
    decision = add_decision(
        session,
        post.id,
        decided,
        policy_name=HUMAN_POLICY,
        policy_version=HUMAN_POLICY_VERSION,
        reason=note or verdict,
        actor=user.actor,
    )
    records = [
        AuditRecord(
            user.actor,
            "decision.create",
            "decision",
            decision.id,
            reason=decision.reason,
            data={"post_id": post.id, "action": decided, "shadow": False, "rule": None},
        ),
        AuditRecord(
            user.actor,
            "review.decide",
            "review_item",
            item.id,
            reason=note,
            data={"verdict": verdict, "decision_id": decision.id, "labels": found},
        ),
    ]
    if decided in PLATFORM_ACTIONS:
        substances = list(detection.substances) if detection else []
        outbox = enqueue_action(session, decision, action_payload(decision, post, found, substances)).row
        records.append(
            AuditRecord(user.actor, "action.enqueue", "action", outbox.id, data={"kind": outbox.kind})
        )
    if verdict is Verdict.ESCALATE:
        enqueue_from_decision(session, decision, records)
    AuditLog.append_many(session, records)
    return decision


def export_labelled(session: Session) -> Iterator[dict[str, Any]]:
    """One labelled example per human verdict (escalations are not verdicts), oldest first, in
    the evaluate/train input shape.

    A violating example's labels and substances are those sent with its platform action; a
    not-violating one (including a removal reversed on appeal) has none. A post decided
    twice yields two examples, the later verdict last.
    """
    query = (
        select(Decision, Post, Action.payload)
        .join(Post, Decision.post_id == Post.id)
        .outerjoin(Action, and_(Action.decision_id == Decision.id, Action.kind == Decision.action))
        .where(Decision.policy_name == HUMAN_POLICY, Decision.action != ActionKind.ESCALATE)
        .order_by(Decision.id)
    )
    for decision, post, payload in session.execute(query.execution_options(yield_per=500)):
        violating = decision.action in PLATFORM_ACTIONS and payload is not None
        yield {
            "id": post.platform_post_id,
            "text": post.text,
            "lang": post.lang,
            "surface": post.surface,
            "labels": list(payload["labels"]) if violating else [],
            "substances": list(payload["substances"]) if violating else [],
            "source": f"review:{Verdict.VIOLATING if violating else Verdict.NOT_VIOLATING}",
        }
