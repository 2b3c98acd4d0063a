"""The analyst dashboard: flagged posts over a range of days, in charts, figures and CSV."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from interdictor.api.services import Svc
from interdictor.report.charts import bar_chart, line_chart
from interdictor.report.export import TABLES, table_csv
from interdictor.report.metrics import DAY_TABLES, DateRange, DayCount, summary
from interdictor.store.models import Role, User
from interdictor.web.auth import PageError, require_user
from interdictor.web.render import render

router = APIRouter(include_in_schema=False)

AnalystUser = Annotated[User, Depends(require_user(Role.ANALYST))]
DEFAULT_DAYS = 30
MAX_DAYS = 366  # keeps a page to a year of days: the queries scan the range's posts


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PageError(400, f"{name} must be a date like 2026-03-01, not {value!r}.") from None


def date_range(
    first: Annotated[str, Query(alias="from")] = "", last: Annotated[str, Query(alias="to")] = ""
) -> DateRange:
    """The range from the query string (``from``, ``to``, both included); default the last
    :data:`DEFAULT_DAYS` days."""
    end = _day(last, "to") if last else DateRange.last_days(1).last
    start = _day(first, "from") if first else DateRange.last_days(DEFAULT_DAYS, end).first
    try:
        chosen = DateRange(start, end)
    except ValueError:
        raise PageError(400, "The range ends before it starts.") from None
    if (chosen.last - chosen.first).days >= MAX_DAYS:
        raise PageError(400, f"Choose at most {MAX_DAYS} days.")
    return chosen


Range = Annotated[DateRange, Depends(date_range)]


def _totals(rows: Sequence[DayCount]) -> list[tuple[str, float]]:
    """Posts per key over the whole range, largest first (a post on two days counts twice)."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts[row.key] += row.posts
    return [(key, float(n)) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _daily(rows: Sequence[DayCount], rng: DateRange) -> dict[str, list[float]]:
    """Per key, the posts on each day of the range (0 where none)."""
    by_key: defaultdict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        by_key[row.key][row.day] = row.posts
    return {key: [float(days.get(d, 0)) for d in rng.days()] for key, days in sorted(by_key.items())}


@router.get("/dashboard")
def dashboard_page(request: Request, services: Svc, user: AnalystUser, rng: Range) -> Response:
    """Flagged posts per day, by substance, action and jurisdiction, and the headline figures."""
    with services.sessions() as session:
        tables = {name: table.query(session, rng) for name, table in DAY_TABLES.items()}
        figures = summary(session, rng)
    charts: list[Markup] = [
        line_chart(
            DAY_TABLES["by_label"].title,
            [d.isoformat() for d in rng.days()],
            _daily(tables["by_label"], rng),
            "Day",
            "Posts",
        )
    ]
    for name in ("by_substance", "by_action", "by_jurisdiction"):
        table = DAY_TABLES[name]
        charts.append(bar_chart(table.title, _totals(tables[name]), table.key.capitalize(), "Posts"))
    return render(
        request,
        "dashboard.html",
        rng=rng,
        charts=charts,
        figures=figures,
        tables=TABLES,
    )


@router.get("/dashboard.csv")
def dashboard_csv(services: Svc, user: AnalystUser, rng: Range, table: str = "summary") -> Response:
    """One of the dashboard's tables as a CSV download."""
    if table not in TABLES:
        raise PageError(400, f"Unknown table {table!r}; choose one of {', '.join(TABLES)}.")
    with services.sessions() as session:
        body = table_csv(session, table, rng)
    filename = f"interdictor-{table}-{rng.first}-{rng.last}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
