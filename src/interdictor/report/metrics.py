"""The analyst dashboard's figures: each one aggregate query over a range of days, grouped in
the database, the same SQL on SQLite and PostgreSQL but for a few dialect functions.

Definitions:

- A post's *time* is its platform ``created_at``, else its ``received_at``; a post is in a
  range when its time falls on one of the range's days (UTC). Every figure but the appeal
  reversal rate is about the posts in the range.
- A post is *flagged* when some detection of it carries a label, or some decision about it
  has an action other than ``none`` (shadow decisions included: the detector found the post
  either way). Its *flag time* is the earliest such detection or decision.
- By label and by substance count flagged posts per day under each label (substance) any of
  their detections found; a post counts once under each. By action counts posts under each
  action an enforced (non-shadow) decision took on them, ``none`` excepted. By jurisdiction
  uses the post's jurisdiction, else its account's, else ``unknown``.
- *Detector first*: a flagged post whose flag time is before its first user report, or that
  was never reported.
- *Time to action*: from the post's time to its first enforced decision that removed,
  restricted or labelled it; the median is exact (see :func:`_median_seconds`).
- *Reversal rate*: appeals reversed / appeals decided, over appeals decided in the range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from interdictor.actions.payload import PLATFORM_ACTIONS
from interdictor.store.models import (
    Account,
    ActionKind,
    Appeal,
    AppealStatus,
    Decision,
    Detection,
    Post,
    UserReport,
)
from interdictor.store.repository import effective_jurisdiction, json_elements

UNKNOWN_JURISDICTION = "unknown"

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True, slots=True)
class DateRange:
    """Whole UTC days from ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the range ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> DateRange:
        """The ``days`` days up to and including ``today`` (default: today, UTC)."""
        if days < 1:
            raise ValueError("a range has at least one day")
        end = today or datetime.now(UTC).date()
        return cls(end - timedelta(days=days - 1), end)

    @property
    def start(self) -> datetime:
        """The first instant in the range."""
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def days(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True, slots=True)
class DayCount:
    """How many posts fell under ``key`` (a label, substance, action or jurisdiction) on ``day``."""

    day: date
    key: str
    posts: int


@dataclass(frozen=True, slots=True)
class Summary:
    """The range's headline figures."""

    flagged_posts: int
    detector_first_posts: int
    actioned_posts: int
    median_seconds_to_action: float | None
    appeals_decided: int
    appeals_reversed: int

    @property
    def detector_first_share(self) -> float | None:
        """Share of flagged posts the detector found before any user report (None without any)."""
        return self.detector_first_posts / self.flagged_posts if self.flagged_posts else None

    @property
    def reversal_rate(self) -> float | None:
        """Share of decided appeals that were reversed (None without any)."""
        return self.appeals_reversed / self.appeals_decided if self.appeals_decided else None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _post_time() -> ColumnElement[datetime]:
    return func.coalesce(Post.created_at, Post.received_at)


def _in_range(rng: DateRange) -> ColumnElement[bool]:
    moment = _post_time()
    return and_(moment >= rng.start, moment < rng.end)


def _day(session: Session) -> ColumnElement[Any]:
    """The UTC day of the post's time (a date on PostgreSQL, 'YYYY-MM-DD' on SQLite)."""
    # Constants inlined, not bound: PostgreSQL sees two parameters in SELECT and GROUP BY as
    # different expressions.
    if _dialect(session) == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), _post_time()))
    # SQLite keeps UTC times as ISO text.
    return func.date(_post_time())


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _flags(rng: DateRange) -> Subquery:
    """Flagged posts in the range with their flag time: ``post_id``, ``flagged_at``."""
    labelled = (
        select(Detection.post_id.label("post_id"), Detection.created_at.label("at"))
        .join(Post, Detection.post_id == Post.id)
        .where(func.json_array_length(Detection.labels) > 0, _in_range(rng))
    )
    acted = (
        select(Decision.post_id, Decision.created_at)
        .join(Post, Decision.post_id == Post.id)
        .where(Decision.action != ActionKind.NONE, _in_range(rng))
    )
    events = union_all(labelled, acted).subquery("flag_events")
    return (
        select(events.c.post_id, func.min(events.c.at).label("flagged_at"))
        .group_by(events.c.post_id)
        .subquery("flags")
    )


def _per_day(session: Session, query: Select[Any]) -> list[DayCount]:
    return [DayCount(_as_date(day), str(key), int(posts)) for day, key, posts in session.execute(query)]


def _counted(session: Session, key: Column) -> Select[Any]:
    """``day, key, distinct posts`` grouped and ordered; the caller adds FROM and WHERE."""
    day = _day(session).label("day")
    label = key.label("key")
    return select(day, label, func.count(func.distinct(Post.id))).group_by(day, label).order_by(day, label)


def _detected(session: Session, column: Column) -> Select[Any]:
    """``day, element, posts`` over the elements of a detection's JSON list column."""
    element = json_elements(session, column)
    query = (
        _counted(session, element.c.value)
        .select_from(Post)
        .join(Detection, Detection.post_id == Post.id)
        .join(element, true())
    )
    return query


def by_label(session: Session, rng: DateRange) -> list[DayCount]:
    """Flagged posts per day and detected label."""
    # A detection with a label flags its post: no need to look for the flag.
    query = _detected(session, Detection.labels)
    return _per_day(session, query.where(_in_range(rng)))


def by_substance(session: Session, rng: DateRange) -> list[DayCount]:
    """Flagged posts per day and detected substance."""
    flags = _flags(rng)
    query = _detected(session, Detection.substances)
    return _per_day(session, query.join(flags, flags.c.post_id == Post.id))


def by_action(session: Session, rng: DateRange) -> list[DayCount]:
    """Posts in the range per day and enforced action taken on them (``none`` excepted)."""
    query = (
        _counted(session, Decision.action)
        .select_from(Post)
        .join(Decision, Decision.post_id == Post.id)
        .where(_in_range(rng), Decision.shadow.is_(False), Decision.action != ActionKind.NONE)
    )
    return _per_day(session, query)


def by_jurisdiction(session: Session, rng: DateRange) -> list[DayCount]:
    """Flagged posts per day and jurisdiction (the post's, else its account's, else ``unknown``)."""
    flags = _flags(rng)
    unknown: ColumnElement[str] = literal_column(
        f"'{UNKNOWN_JURISDICTION}'"
    )  # inlined for GROUP BY, as in _day
    jurisdiction = func.coalesce(effective_jurisdiction(), unknown)
    query = (
        _counted(session, jurisdiction)
        .select_from(Post)
        .join(flags, flags.c.post_id == Post.id)
        .outerjoin(Account, Post.account_id == Account.id)
    )
    return _per_day(session, query)


def _detector_first(session: Session, rng: DateRange) -> tuple[int, int]:
    """(flagged posts, of which flagged before their first user report or never reported)."""
    flags = _flags(rng)
    reports = (
        select(UserReport.post_id, func.min(UserReport.created_at).label("first_report"))
        .group_by(UserReport.post_id)
        .subquery("reports")
    )
    first = or_(reports.c.first_report.is_(None), flags.c.flagged_at < reports.c.first_report)
    query = select(func.count(), func.coalesce(func.sum(case((first, 1), else_=0)), 0)).select_from(
        flags.outerjoin(reports, reports.c.post_id == flags.c.post_id)
    )
    flagged, before = session.execute(query).one()
    return int(flagged), int(before)


def _seconds_between(session: Session, later: ColumnElement[Any], earlier: ColumnElement[Any]) -> Any:
    if _dialect(session) == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _median_seconds(session: Session, rng: DateRange) -> tuple[int, float | None]:
    """(actioned posts, median seconds from post time to first enforced action).

    The median is exact and portable: number the durations in order with window functions
    (SQLite has them since 3.25) and average the middle one or two, so only one row comes
    back whatever the range holds.
    """
    first_action = (
        select(Decision.post_id, func.min(Decision.created_at).label("acted_at"))
        .join(Post, Decision.post_id == Post.id)
        .where(
            Decision.action.in_(sorted(PLATFORM_ACTIONS)),
            Decision.shadow.is_(False),
            _in_range(rng),
        )
        .group_by(Decision.post_id)
        .subquery("first_action")
    )
    seconds = cast(_seconds_between(session, first_action.c.acted_at, _post_time()), Float)
    ranked = (
        select(
            seconds.label("seconds"),
            func.row_number().over(order_by=seconds).label("n"),
            func.count().over().label("total"),
        )
        .select_from(first_action.join(Post, Post.id == first_action.c.post_id))
        .subquery("ranked")
    )
    middle = ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
    total, median = session.execute(
        select(func.coalesce(func.max(ranked.c.total), 0), func.avg(ranked.c.seconds)).where(middle)
    ).one()
    return int(total), float(median) if median is not None else None


def _appeals(session: Session, rng: DateRange) -> tuple[int, int]:
    """(appeals decided in the range, of which reversed)."""
    reversed_ = case((Appeal.status == AppealStatus.REVERSED, 1), else_=0)
    decided, reversed_count = session.execute(
        select(func.count(), func.coalesce(func.sum(reversed_), 0)).where(
            Appeal.status != AppealStatus.OPEN, Appeal.decided_at >= rng.start, Appeal.decided_at < rng.end
        )
    ).one()
    return int(decided), int(reversed_count)


def summary(session: Session, rng: DateRange) -> Summary:
    """The headline figures (three queries: detector first, time to action, appeals)."""
    flagged, before = _detector_first(session, rng)
    actioned, median = _median_seconds(session, rng)
    decided, reversed_count = _appeals(session, rng)
    return Summary(flagged, before, actioned, median, decided, reversed_count)


@dataclass(frozen=True, slots=True)
class DayTable:
    """A per-day table: what its rows are counted by (``key``), its title, and its query."""

    key: str
    title: str
    query: Callable[[Session, DateRange], Sequence[DayCount]]


DAY_TABLES: dict[str, DayTable] = {
    "by_label": DayTable("label", "Flagged posts per day by label", by_label),
    "by_substance": DayTable("substance", "Flagged posts by substance", by_substance),
    "by_action": DayTable("action", "Posts by action taken", by_action),
    "by_jurisdiction": DayTable("jurisdiction", "Flagged posts by jurisdiction", by_jurisdiction),
}
"""The per-day tables by name, as the dashboard and its CSV export call them."""
