"""Writing and reading the store's rows, inside the caller's session and transaction.

Inserts that must be idempotent under concurrency (accounts, posts, outbox rows) use
``INSERT ... ON CONFLICT`` on the unique key, then read the row back: whichever writer
loses the race gets the winner's row, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, FromClause, Select, cast, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from interdictor.detect.base import Analysis
from interdictor.detect.base import Post as ScannedPost
from interdictor.store.models import (
    Account,
    Action,
    ActionKind,
    Base,
    Decision,
    Detection,
    Post,
    UserReport,
)

Row = TypeVar("Row", bound=Base)
Q = TypeVar("Q")


@dataclass(frozen=True, slots=True)
class Stored(Generic[Row]):
    """A row from an idempotent insert; ``created`` is False when it was there already."""

    row: Row
    created: bool


def _insert(session: Session, model: type[Base]) -> sqlite.Insert | postgresql.Insert:
    # ON CONFLICT lives in the dialects' own insert constructs.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"unsupported database: {dialect}")


def insert_once(session: Session, model: type[Row], key: str, values: dict[str, Any]) -> Stored[Row]:
    """Insert ``values`` unless a row with the same unique ``key`` exists; return the row."""
    column = getattr(model, key)
    inserted = session.execute(
        _insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(model.__table__.c.id)
    ).scalar_one_or_none()
    row = session.scalars(select(model).where(column == values[key])).one()
    return Stored(row, inserted is not None)


def upsert_account(session: Session, platform_account_id: str, jurisdiction: str | None = None) -> Account:
    """The account with this platform id, created if new; a given jurisdiction replaces the old one."""
    insert = _insert(session, Account).values(
        platform_account_id=platform_account_id, jurisdiction=jurisdiction
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["platform_account_id"],
            set_={"jurisdiction": func.coalesce(insert.excluded.jurisdiction, Account.jurisdiction)},
        )
    )
    # The upsert went around the session, so reload an account it may already hold.
    query = select(Account).where(Account.platform_account_id == platform_account_id)
    return session.scalars(query.execution_options(populate_existing=True)).one()


def _platform_time(value: str | None) -> datetime | None:
    """An ISO-8601 platform timestamp as UTC; naive means UTC. None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ingest_post(
    session: Session,
    post: ScannedPost,
    jurisdiction: str | None = None,
    *,
    submitted_by: int | None = None,
    accounts: dict[str, Account] | None = None,
) -> Stored[Post]:
    """Store a post once per platform id; the same id again returns the stored row unchanged.

    The author becomes an account (taken from ``accounts`` when the caller upserted it
    already). A ``created_at`` that is not ISO-8601 is kept as written in ``extra``.
    ``submitted_by`` is the id of the API key that sent it, if one did.
    """
    account = None
    if post.author:
        known = (accounts or {}).get(post.author)
        account = known if known is not None else upsert_account(session, post.author)
    created_at = _platform_time(post.created_at)
    extra = dict(post.extra)
    if post.created_at and created_at is None:
        extra["created_at"] = post.created_at
    return insert_once(
        session,
        Post,
        "platform_post_id",
        {
            "platform_post_id": post.id,
            "account_id": account.id if account else None,
            "text": post.text,
            "surface": post.surface,
            "lang": post.lang,
            "jurisdiction": jurisdiction,
            "created_at": created_at,
            "extra": extra,
            "submitted_by": submitted_by,
        },
    )


def add_detection(
    session: Session, post_id: int, analysis: Analysis, model_version: str, lexicon_version: str
) -> Detection:
    """Record what the detector found in a stored post."""
    detection = Detection(
        post_id=post_id,
        model_version=model_version,
        lexicon_version=lexicon_version,
        scores=dict(analysis.scores),
        labels=list(analysis.labels),
        substances=list(analysis.substances),
        indicators=[i.to_json() for i in analysis.indicators],
        evidence=[e.to_json() for e in analysis.evidence],
    )
    session.add(detection)
    session.flush()
    return detection


def add_decision(
    session: Session,
    post_id: int,
    action: ActionKind,
    *,
    policy_name: str,
    policy_version: str,
    reason: str,
    actor: str = "system",
    detection_id: int | None = None,
    rule: str | None = None,
    shadow: bool = False,
) -> Decision:
    """Record a decision about a post: a policy's (with its detection) or a person's (without)."""
    decision = Decision(
        post_id=post_id,
        detection_id=detection_id,
        policy_name=policy_name,
        policy_version=policy_version,
        action=action,
        shadow=shadow,
        rule=rule,
        reason=reason,
        actor=actor,
    )
    session.add(decision)
    session.flush()
    return decision


def enqueue_action(
    session: Session,
    decision: Decision,
    payload: dict[str, Any],
    kind: ActionKind | None = None,
    idempotency_key: str | None = None,
) -> Stored[Action]:
    """Put an action in the outbox, once per idempotency key (default ``"{decision_id}:{kind}"``)."""
    kind = kind or decision.action
    key = idempotency_key or f"{decision.id}:{kind}"
    values = {"decision_id": decision.id, "post_id": decision.post_id, "kind": kind, "payload": payload}
    return insert_once(session, Action, "idempotency_key", {**values, "idempotency_key": key})


def add_report(session: Session, post_id: int, reason: str, reporter: str | None = None) -> UserReport:
    """Record a platform user's report about a post."""
    report = UserReport(post_id=post_id, reason=reason, reporter=reporter)
    session.add(report)
    session.flush()
    return report


def json_elements(session: Session, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> FromClause:
    """The elements of a JSON array column as rows with one column, ``value``."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_array_elements_text(column).table_valued("value").render_derived(name="element")
    return func.json_each(column).table_valued("value")


def has_label(session: Session, label: str) -> ColumnElement[bool]:
    """Whether some detection of the post (``Post.id``) carries ``label``."""
    if session.get_bind().dialect.name == "postgresql":
        carries = cast(Detection.labels, postgresql.JSONB).has_key(label)
    else:
        element = json_elements(session, Detection.labels)
        carries = exists(select(element.c.value).where(element.c.value == label))
    return exists(select(Detection.id).where(Detection.post_id == Post.id, carries))


def effective_jurisdiction() -> ColumnElement[str]:
    """The post's jurisdiction, else its account's (the query must join ``Account``)."""
    return func.coalesce(Post.jurisdiction, Account.jurisdiction)


def in_jurisdiction(jurisdiction: str) -> ColumnElement[bool]:
    """The post's jurisdiction (or its account's) is ``jurisdiction`` or within it ("US" holds "US-CA")."""
    effective = effective_jurisdiction()
    return or_(effective == jurisdiction, effective.startswith(f"{jurisdiction}-", autoescape=True))


def _filtered(
    session: Session,
    query: Select[Q],
    time: InstrumentedAttribute[datetime],
    label: str | None,
    jurisdiction: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Q]:
    """``query`` (which joins Post and Account) narrowed by the filters the listings share."""
    if label is not None:
        query = query.where(has_label(session, label))
    if jurisdiction is not None:
        query = query.where(in_jurisdiction(jurisdiction))
    if since is not None:
        query = query.where(time >= since)
    if until is not None:
        query = query.where(time < until)
    return query


def list_posts(
    session: Session,
    *,
    label: str | None = None,
    action: ActionKind | None = None,
    jurisdiction: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Post]:
    """Stored posts, newest first, filtered by detected label, decided action, jurisdiction and
    receipt time.

    ``since`` is inclusive and ``until`` exclusive.
    """
    query = select(Post).outerjoin(Account, Post.account_id == Account.id).order_by(Post.id.desc())
    if action is not None:
        query = query.where(
            exists(select(Decision.id).where(Decision.post_id == Post.id, Decision.action == action))
        )
    query = _filtered(session, query, Post.received_at, label, jurisdiction, since, until)
    return session.scalars(query.limit(limit).offset(offset)).all()


def list_decisions(
    session: Session,
    *,
    action: ActionKind | None = None,
    label: str | None = None,
    jurisdiction: str | None = None,
    shadow: bool | None = None,
    submitted_by: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Decision]:
    """Decisions, newest first, filtered by action, the post's label, jurisdiction and submitting
    API key, and time.

    ``since`` is inclusive and ``until`` exclusive.
    """
    query = (
        select(Decision)
        .join(Post, Decision.post_id == Post.id)
        .outerjoin(Account, Post.account_id == Account.id)
        .order_by(Decision.id.desc())
    )
    if action is not None:
        query = query.where(Decision.action == action)
    if shadow is not None:
        query = query.where(Decision.shadow == shadow)
    if submitted_by is not None:
        query = query.where(Post.submitted_by == submitted_by)
    query = _filtered(session, query, Decision.created_at, label, jurisdiction, since, until)
    return session.scalars(query.limit(limit).offset(offset)).all()
