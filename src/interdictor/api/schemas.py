"""Request and response bodies of the HTTP API, as pydantic models (they make /openapi.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from interdictor.detect.base import LABELS
from interdictor.detect.base import Post as ScannedPost
from interdictor.ingest.files import post_from_mapping
from interdictor.store.models import ActionKind, ActionStatus, AppealStatus, Role

MAX_ID = 2**31 - 1  # the largest integer id the databases store
MAX_OFFSET = 10**9


def storable(value: str) -> str:
    """``value`` if both databases can store it: no NUL (PostgreSQL text refuses it), no lone
    surrogates (not encodable as UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def known_label(value: str) -> str:
    """``value`` if it is one of the detector's labels."""
    if value not in LABELS:
        raise ValueError(f"unknown label {value!r}; one of {', '.join(LABELS)}")
    return value


def as_utc(value: datetime) -> datetime:
    """A time in UTC; a time without a zone is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


Text = Annotated[str, AfterValidator(storable)]
PlatformId = Annotated[str, StringConstraints(min_length=1, max_length=256), AfterValidator(storable)]
Jurisdiction = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"),
    Field(description='ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision: "MX", "US-CA"'),
]
Label = Annotated[str, AfterValidator(known_label), WithJsonSchema({"type": "string", "enum": list(LABELS)})]
UtcTime = Annotated[datetime, AfterValidator(as_utc)]
Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Reason = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]


class AccountIn(BaseModel):
    """The author's platform account."""

    model_config = ConfigDict(extra="forbid")

    id: PlatformId
    jurisdiction: Jurisdiction | None = None


class PostIn(BaseModel):
    """One post: the scan input shape (SPEC §2) plus where it is from. Other fields are kept."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "p-1001",
                    "text": "pressed M30s, DM to order",
                    "surface": "social_post",
                    "lang": "en",
                    "account": {"id": "u-77", "jurisdiction": "US-CA"},
                }
            ]
        },
    )

    id: PlatformId = Field(description="the platform's post id; resubmitting it is harmless")
    text: Text
    surface: Annotated[Text, StringConstraints(max_length=32)] | None = Field(
        None, description="social_post, comment, direct_message, marketplace_listing, ..."
    )
    lang: Annotated[Text, StringConstraints(max_length=16)] | None = None
    author: PlatformId | None = Field(None, description="the author's account id (default: account.id)")
    created_at: Annotated[Text, StringConstraints(max_length=64)] | None = Field(
        None, description="when the platform received it, ISO-8601"
    )
    jurisdiction: Jurisdiction | None = Field(None, description="default: the account's jurisdiction")
    account: AccountIn | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PostIn:
        if self.author and self.account and self.author != self.account.id:
            raise ValueError("author and account.id name different accounts")
        try:
            # The store writes extra fields with orjson, which refuses what JSON cannot carry.
            orjson.dumps(self.model_extra)
        except orjson.JSONEncodeError as exc:
            raise ValueError(f"other fields cannot be stored: {exc}") from None
        return self

    def to_post(self) -> ScannedPost:
        """The post as the detector and the store take it."""
        fields = self.model_dump(mode="json", exclude_unset=True)
        if self.account and not self.author:
            fields["author"] = self.account.id
        return post_from_mapping(fields)


class BatchIn(BaseModel):
    """Up to 1000 posts; each item is checked on its own against PostIn."""

    posts: list[Any] = Field(max_length=1000, description="PostIn objects")


class OutcomeOut(BaseModel):
    """What became of a submitted post: the detection and the policy's decision."""

    post_id: int = Field(description="Interdictor's id for the post, used in /v1/posts/{post_id}")
    id: str = Field(description="the platform's post id")
    duplicate: bool = Field(description="the post was stored already; this is its stored decision")
    labels: list[str]
    scores: dict[str, float]
    substances: list[str]
    action: ActionKind
    shadow: bool = Field(description="the policy only records the action; nothing is done")
    rule: str | None
    decision_id: int | None
    action_ids: list[int] = Field(description="outbox rows the decision queued for the platform")


class ItemError(BaseModel):
    """A batch item that was not processed, and why."""

    index: int
    error: str


class BatchOut(BaseModel):
    """One result per submitted item, in order: an outcome or an error."""

    results: list[OutcomeOut | ItemError]


class ReportIn(BaseModel):
    """A platform user's report about a post."""

    reason: Reason
    reporter: PlatformId | None = Field(None, description="the reporting user's platform id")


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    post_id: int
    reporter: str | None
    reason: str
    created_at: datetime


class AppealIn(BaseModel):
    """A platform user's appeal against the decision in force on their post."""

    appellant: PlatformId = Field(description="the appealing user's platform id")
    reason: Reason


class AppealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    post_id: int
    decision_id: int
    appellant: str
    reason: str
    status: AppealStatus
    created_at: datetime


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(validation_alias="platform_account_id")
    jurisdiction: str | None


class IndicatorOut(BaseModel):
    type: str
    value: str
    normalized: str


class EvidenceOut(BaseModel):
    start: int = Field(description="offset into the original text")
    end: int
    text: str
    signal: str
    detail: str


class DetectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    model_version: str
    lexicon_version: str
    scores: dict[str, float]
    labels: list[str]
    substances: list[str]
    indicators: list[IndicatorOut]
    evidence: list[EvidenceOut]
    created_at: datetime


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    post_id: int
    detection_id: int | None = Field(description="null for a person's decision")
    policy_name: str
    policy_version: str
    action: ActionKind
    shadow: bool
    rule: str | None
    reason: str
    actor: str
    created_at: datetime


class ActionOut(BaseModel):
    """An outbox row: an action to deliver to the platform, and how delivery is going."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    decision_id: int
    post_id: int
    kind: ActionKind
    idempotency_key: str
    payload: dict[str, Any]
    status: ActionStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class PostSummary(BaseModel):
    """A stored post with its latest labels and action."""

    post_id: int
    id: str = Field(description="the platform's post id")
    account: AccountOut | None
    text: str
    surface: str | None
    lang: str | None
    jurisdiction: str | None
    created_at: datetime | None
    received_at: datetime
    labels: list[str] = Field(description="of the latest detection")
    action: ActionKind | None = Field(description="of the latest decision")


class PostDetail(PostSummary):
    """A stored post with everything known about it."""

    extra: dict[str, Any]
    submitted_by: int | None = Field(description="id of the API key that submitted it")
    detections: list[DetectionOut]
    decisions: list[DecisionOut]
    actions: list[ActionOut]
    reports: list[ReportOut]


class KeyIn(BaseModel):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    role: Role


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    secret: str = Field(description="send as 'Authorization: Bearer <secret>'; shown this once only")


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor: str
    verb: str
    object_type: str
    object_id: str
    reason: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class ProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: Literal["hash", "link", "gap", "head", "anchor"]
    entry_id: int | None
    detail: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    head_id: int
    head_hash: str = Field(description="record it elsewhere and pass it back later as ?anchor=")
    problems: list[ProblemOut]


class HealthOut(BaseModel):
    status: Literal["ok"]


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    """A page of a listing, newest first."""

    items: list[Item]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last one")

    @classmethod
    def of(cls, items: list[Item], limit: int, offset: int) -> Page[Item]:
        """The page holding ``items``; a full page may have another after it."""
        return cls(
            items=items,
            limit=limit,
            offset=offset,
            next_offset=offset + limit if len(items) == limit else None,
        )
