"""Tables of the Interdictor store, as SQLAlchemy typed declarative models.

Every time column is timezone-aware UTC (:class:`UTCDateTime`); JSON columns use the
generic :class:`sqlalchemy.JSON`, which works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    TypeDecorator,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first audit entry."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in and comes out timezone-aware UTC.

    SQLite keeps no zone, so naive values read back are UTC by construction; naive values
    written are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ActionKind(StrEnum):
    """What a decision does to a post."""

    REMOVE = "remove"
    RESTRICT = "restrict"
    LABEL = "label"
    REVIEW = "review"
    ESCALATE = "escalate"
    NONE = "none"


class ActionStatus(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class Role(StrEnum):
    """What an API key may do."""

    INTEGRATOR = "integrator"
    REVIEWER = "reviewer"
    ANALYST = "analyst"
    LE_LIAISON = "le_liaison"
    ADMIN = "admin"


def _enum(cls: type[StrEnum]) -> Enum:
    # Stored as checked VARCHAR of the values (not names), the same on SQLite and PostgreSQL.
    return Enum(
        cls,
        name=cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    """Declarative base; fixed constraint names so migrations are deterministic."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Account(Base):
    """A platform account that authored posts."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_account_id: Mapped[str] = mapped_column(String, unique=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Post(Base):
    """A post as received from the platform."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_post_id: Mapped[str] = mapped_column(String, unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str]
    surface: Mapped[str | None] = mapped_column(String(32))
    lang: Mapped[str | None] = mapped_column(String(16))
    # Null means "the account's jurisdiction" (see repository.list_posts).
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None]
    # Lists and reports page through posts and decisions by time.
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The API key (id) that first submitted the post: integrators read only their own posts.
    # Not a foreign key: keys are revoked, never deleted, and SQLite can then add and drop
    # the column in place instead of rebuilding a table other tables refer to.
    submitted_by: Mapped[int | None] = mapped_column(index=True)

    account: Mapped[Account | None] = relationship()


# Reports count a post on its platform time, else when it arrived (report.metrics).
Index("ix_posts_time", func.coalesce(Post.created_at, Post.received_at))


class Detection(Base):
    """What the detector found in a post, with the versions that found it."""

    __tablename__ = "detections"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    model_version: Mapped[str]
    lexicon_version: Mapped[str]
    scores: Mapped[dict[str, Any]]
    labels: Mapped[list[Any]]
    substances: Mapped[list[Any]]
    indicators: Mapped[list[Any]]
    evidence: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """What a policy (or a person) decided to do with a post."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    # Null for human decisions.
    detection_id: Mapped[int | None] = mapped_column(ForeignKey("detections.id"))
    policy_name: Mapped[str]
    policy_version: Mapped[str]
    action: Mapped[ActionKind] = mapped_column(_enum(ActionKind))
    shadow: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[str | None]
    reason: Mapped[str]
    actor: Mapped[str]  # "system", "key:<id>" or "user:<name>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Action(Base):
    """The webhook outbox: one row per action to deliver, written with its decision."""

    __tablename__ = "actions"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    kind: Mapped[ActionKind] = mapped_column(_enum(ActionKind))
    idempotency_key: Mapped[str] = mapped_column(String, unique=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus), default=ActionStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class UserReport(Base):
    """A platform user's report about a post."""

    __tablename__ = "user_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    reporter: Mapped[str | None]
    reason: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One append-only, hash-chained audit log entry (see :mod:`interdictor.store.audit`)."""

    __tablename__ = "audit_log"

    # Assigned from audit_head under its lock, never by the database, so ids stay gapless.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime]
    actor: Mapped[str]
    verb: Mapped[str]
    object_type: Mapped[str]
    object_id: Mapped[str]
    reason: Mapped[str | None]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the last audit entry, updated in the appending transaction.

    It is the appenders' lock and lets ``verify`` notice entries cut off the end of the log.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


class User(Base):
    """A person who signs in to the review console; only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str]
    role: Mapped[Role] = mapped_column(_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    @property
    def actor(self) -> str:
        """How the audit log and decisions name this user."""
        return f"user:{self.username}"


class ReviewKind(StrEnum):
    """Why a post is in the review queue."""

    REVIEW = "review"
    ESCALATE = "escalate"
    REPORT = "report"
    APPEAL = "appeal"


class ReviewStatus(StrEnum):
    """Where a review item stands; a ``locked`` item whose lock expired is claimable again."""

    OPEN = "open"
    LOCKED = "locked"
    DONE = "done"


class AppealStatus(StrEnum):
    """Where an appeal stands."""

    OPEN = "open"
    UPHELD = "upheld"
    REVERSED = "reversed"


class ReviewItem(Base):
    """One post waiting for (or given) a human look."""

    __tablename__ = "review_items"
    __table_args__ = (Index(None, "status", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    # The decision that opened the item (review, escalate) or that is appealed.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    # What opened the item ("decision:<id>", "report:<id>", "appeal:<id>"): unique, so
    # opening the same item twice, even concurrently, yields one row.
    source_key: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind))
    status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus), default=ReviewStatus.OPEN)
    priority: Mapped[float]
    locked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Appeal(Base):
    """A platform user's appeal against a decision that acted on their post."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    appellant: Mapped[str]
    reason: Mapped[str]
    status: Mapped[AppealStatus] = mapped_column(_enum(AppealStatus), default=AppealStatus.OPEN)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
