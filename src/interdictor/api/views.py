"""Reading stored rows into API bodies, in as few queries as a page allows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from interdictor.api.schemas import (
    AccountOut,
    ActionOut,
    DecisionOut,
    DetectionOut,
    PostDetail,
    PostSummary,
    ReportOut,
)
from interdictor.store.models import (
    Account,
    Action,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Decision,
    Detection,
    Post,
    UserReport,
)


def _summary(post: Post, labels: list[str], action: ActionKind | None) -> PostSummary:
    return PostSummary(
        post_id=post.id,
        id=post.platform_post_id,
        account=AccountOut.model_validate(post.account) if post.account else None,
        text=post.text,
        surface=post.surface,
        lang=post.lang,
        jurisdiction=post.jurisdiction,
        created_at=post.created_at,
        received_at=post.received_at,
        labels=labels,
        action=action,
    )


def summaries(session: Session, posts: Sequence[Post]) -> list[PostSummary]:
    """Posts with their latest labels and action: three queries for the whole page."""
    ids = [p.id for p in posts]
    # Loaded once here, the accounts are then found in the session, not queried post by post.
    session.scalars(
        select(Account).where(Account.id.in_({p.account_id for p in posts if p.account_id}))
    ).all()
    labels = {
        d.post_id: list(d.labels)
        for d in session.scalars(select(Detection).where(Detection.post_id.in_(ids)).order_by(Detection.id))
    }
    actions = {
        d.post_id: d.action
        for d in session.scalars(select(Decision).where(Decision.post_id.in_(ids)).order_by(Decision.id))
    }
    return [_summary(p, labels.get(p.id, []), actions.get(p.id)) for p in posts]


def detail(session: Session, post: Post) -> PostDetail:
    """A post with its detections, decisions, outbox actions and user reports, oldest first."""
    detections = session.scalars(
        select(Detection).where(Detection.post_id == post.id).order_by(Detection.id)
    ).all()
    decisions = session.scalars(
        select(Decision).where(Decision.post_id == post.id).order_by(Decision.id)
    ).all()
    actions = session.scalars(select(Action).where(Action.post_id == post.id).order_by(Action.id))
    reports = session.scalars(select(UserReport).where(UserReport.post_id == post.id).order_by(UserReport.id))
    summary = _summary(
        post, list(detections[-1].labels) if detections else [], decisions[-1].action if decisions else None
    )
    return PostDetail(
        **dict(summary),
        extra=post.extra,
        submitted_by=post.submitted_by,
        detections=[DetectionOut.model_validate(d) for d in detections],
        decisions=[DecisionOut.model_validate(d) for d in decisions],
        actions=[ActionOut.model_validate(a) for a in actions],
        reports=[ReportOut.model_validate(r) for r in reports],
    )


def list_actions(
    session: Session,
    *,
    status: ActionStatus | None,
    kind: ActionKind | None,
    post_id: int | None,
    limit: int,
    offset: int,
) -> Sequence[Action]:
    """Outbox rows, newest first."""
    query = select(Action).order_by(Action.id.desc())
    if status is not None:
        query = query.where(Action.status == status)
    if kind is not None:
        query = query.where(Action.kind == kind)
    if post_id is not None:
        query = query.where(Action.post_id == post_id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def list_audit(
    session: Session,
    *,
    actor: str | None,
    verb: str | None,
    object_type: str | None,
    object_id: str | None,
    limit: int,
    offset: int,
) -> Sequence[AuditEntry]:
    """Audit entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.verb, verb),
        (AuditEntry.object_type, object_type),
        (AuditEntry.object_id, object_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return session.scalars(query.limit(limit).offset(offset)).all()
