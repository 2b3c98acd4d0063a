"""The dashboard's tables as CSV (``csv`` module), one file per table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from interdictor.report.metrics import DAY_TABLES, DateRange, DayCount, Summary, summary

SUMMARY_TABLE = "summary"
TABLES: tuple[str, ...] = (*DAY_TABLES, SUMMARY_TABLE)
"""Every table that can be exported, by name."""


def _optional(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def summary_rows(figures: Summary) -> list[tuple[str, str]]:
    """The summary as ``(metric, value)`` rows; an undefined figure (nothing to divide) is empty."""
    return [
        ("flagged_posts", str(figures.flagged_posts)),
        ("detector_first_posts", str(figures.detector_first_posts)),
        ("detector_first_share", _optional(figures.detector_first_share)),
        ("actioned_posts", str(figures.actioned_posts)),
        ("median_seconds_to_action", _optional(figures.median_seconds_to_action)),
        ("appeals_decided", str(figures.appeals_decided)),
        ("appeals_reversed", str(figures.appeals_reversed)),
        ("appeal_reversal_rate", _optional(figures.reversal_rate)),
    ]


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def day_csv(key: str, rows: Sequence[DayCount]) -> str:
    """A per-day table as CSV with the header ``day,<key>,posts``."""
    return _csv(["day", key, "posts"], ([row.day.isoformat(), row.key, row.posts] for row in rows))


def summary_csv(figures: Summary) -> str:
    """The summary as CSV with the header ``metric,value``."""
    return _csv(["metric", "value"], summary_rows(figures))


def table_csv(session: Session, table: str, rng: DateRange) -> str:
    """The named table (one of :data:`TABLES`) over ``rng`` as CSV."""
    if table == SUMMARY_TABLE:
        return summary_csv(summary(session, rng))
    if table not in DAY_TABLES:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    day_table = DAY_TABLES[table]
    return day_csv(day_table.key, day_table.query(session, rng))
