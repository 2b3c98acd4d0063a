"""The analyst dashboard's figures on real SQLite and PostgreSQL, from a known history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from interdictor.api.app import create_app
from interdictor.detect.base import Post
from interdictor.ingest.service import Processor
from interdictor.policy import Policy
from interdictor.report.export import TABLES, table_csv
from interdictor.report.metrics import (
    DateRange,
    DayCount,
    by_action,
    by_jurisdiction,
    by_label,
    by_substance,
    summary,
)
from interdictor.review.appeals import decide_appeal, file_appeal
from interdictor.review.users import create_user
from interdictor.store import models as m
from interdictor.store.db import session_factory
from interdictor.store.repository import add_report

POLICY = Policy.from_yaml(
    """
name: report-test
version: "1"
mode: enforce
jurisdictions:
  default:
    rules:
      - {name: sale, action: remove, label: drug_sale, min_score: 0.5}
"""
)

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
RANGE = DateRange(D1, D2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Planned:
    """A post of the history: when it was posted, when the detector flagged and acted on it,
    and when (if ever) a user reported it."""

    id: str
    text: str
    posted: datetime
    flagged: datetime | None = None
    reported: datetime | None = None
    jurisdiction: str | None = None
    account_jurisdiction: str | None = None


HISTORY = [
    # Flagged after 30 min, reported later: detector first.
    Planned("a", "blues M30 $20 each, DM to order", at(D1, 10), at(D1, 10, 30), at(D1, 11), "US-CA"),
    # Reported at 13:00, flagged at 14:00 (2 h): the users were first.
    Planned(
        "b",
        "selling xanax bars 2mg, cashapp only, hmu",
        at(D1, 12),
        at(D1, 14),
        at(D1, 13),
        account_jurisdiction="MX",
    ),
    # Flagged after 1 h, never reported: detector first.
    Planned("c", "pressed percs for sale, fast shipping, telegram @plug", at(D2, 8), at(D2, 9)),
    # Flagged after 3 h, reported afterwards: detector first.
    Planned(
        "f", "pressed percs for sale, fast shipping, telegram @plug2", at(D2, 10), at(D2, 13), at(D2, 14)
    ),
    # Not a sale: never flagged, though reported.
    Planned("d", "Snow tires for sale, 4 Blizzaks, $300", at(D2, 9), reported=at(D2, 10)),
    # A sale posted after the range: in no figure.
    Planned(
        "e", "blues M30 $25 each, DM to order", at(D2 + timedelta(days=3), 9), at(D2 + timedelta(days=3), 10)
    ),
]


def _post(plan: Planned) -> Post:
    extra: dict[str, object] = {}
    if plan.jurisdiction:
        extra["jurisdiction"] = plan.jurisdiction
    if plan.account_jurisdiction:
        extra["account"] = {"id": f"acct-{plan.id}", "jurisdiction": plan.account_jurisdiction}
    return Post(plan.id, plan.text, author=f"acct-{plan.id}", created_at=plan.posted.isoformat(), extra=extra)


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return session_factory(db_engine)


@pytest.fixture
def history(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Build :data:`HISTORY` (plus two decided appeals) and return the post ids by platform id."""
    outcomes = Processor(sessions, POLICY).submit([_post(p) for p in HISTORY])
    ids = {o.platform_post_id: o.post_id for o in outcomes}
    flagged = {o.platform_post_id for o in outcomes if o.labels}
    assert flagged == {p.id for p in HISTORY if p.flagged}
    with sessions.begin() as session:
        for plan in HISTORY:
            post_id = ids[plan.id]
            # The pipeline ran "now"; move its rows to the planned moments.
            moment = plan.flagged or plan.posted
            for model in (m.Detection, m.Decision):
                session.execute(update(model).where(model.post_id == post_id).values(created_at=moment))
            if plan.reported:
                report = add_report(session, post_id, "looks like drugs", reporter="u1")
                report.created_at = plan.reported
        reviewer = create_user(session, "rita", "rita-secret-1", m.Role.REVIEWER)
        reversed_ = file_appeal(session, ids["a"], "acct-a", "not mine")
        upheld = file_appeal(session, ids["b"], "acct-b", "unfair")
        still_open = file_appeal(session, ids["c"], "acct-c", "pending")
        decide_appeal(session, reversed_.id, reviewer, upheld=False, note="mistaken")
        decide_appeal(session, upheld.id, reviewer, upheld=True, note="a sale")
        session.execute(update(m.Appeal).where(m.Appeal.id != still_open.id).values(decided_at=at(D2, 20)))
    return ids


def test_flagged_posts_per_day(sessions: sessionmaker[Session], history: dict[str, int]) -> None:
    with sessions() as session:
        assert by_label(session, RANGE) == [DayCount(D1, "drug_sale", 2), DayCount(D2, "drug_sale", 2)]
        # The reversal on appeal (action none) is no action taken.
        assert by_action(session, RANGE) == [DayCount(D1, "remove", 2), DayCount(D2, "remove", 2)]
        assert by_jurisdiction(session, RANGE) == [
            DayCount(D1, "MX", 1),
            DayCount(D1, "US-CA", 1),
            DayCount(D2, "unknown", 2),
        ]
        substances = by_substance(session, RANGE)
        assert DayCount(D1, "fentanyl", 1) in substances
        assert {(c.day, c.key) for c in substances} >= {(D1, "benzodiazepine"), (D2, "opioid")}
        assert by_label(session, DateRange(D1, D1)) == [DayCount(D1, "drug_sale", 2)]
        assert by_label(session, DateRange(date(2025, 1, 1), date(2025, 1, 31))) == []


def test_summary_figures(sessions: sessionmaker[Session], history: dict[str, int]) -> None:
    with sessions() as session:
        figures = summary(session, RANGE)
        assert (figures.flagged_posts, figures.detector_first_posts, figures.actioned_posts) == (4, 3, 4)
        assert figures.detector_first_share == 0.75
        # Durations 30 min, 2 h, 1 h, 3 h: the median is the mean of 1 h and 2 h.
        assert figures.median_seconds_to_action == pytest.approx(5400, abs=0.01)
        assert (figures.appeals_decided, figures.appeals_reversed, figures.reversal_rate) == (2, 1, 0.5)
        one_day = summary(session, DateRange(D1, D1))
        # Durations 30 min and 2 h on the first day only.
        assert one_day.median_seconds_to_action == pytest.approx(4500, abs=0.01)
        assert (one_day.flagged_posts, one_day.detector_first_posts) == (2, 1)
        odd = summary(session, DateRange(D1, D2 + timedelta(days=3)))
        # Durations 30 min, 1 h, 1 h (post e), 2 h, 3 h.
        assert odd.median_seconds_to_action == pytest.approx(3600, abs=0.01)
        empty = summary(session, DateRange(date(2025, 1, 1), date(2025, 1, 1)))
        assert empty.median_seconds_to_action is None
        assert empty.detector_first_share is None
        assert empty.flagged_posts == 0


def test_csv_export(sessions: sessionmaker[Session], history: dict[str, int]) -> None:
    with sessions() as session:
        assert table_csv(session, "by_label", RANGE) == (
            "day,label,posts\n2026-03-01,drug_sale,2\n2026-03-02,drug_sale,2\n"
        )
        assert table_csv(session, "by_jurisdiction", RANGE).splitlines() == [
            "day,jurisdiction,posts",
            "2026-03-01,MX,1",
            "2026-03-01,US-CA,1",
            "2026-03-02,unknown,2",
        ]
        assert table_csv(session, "summary", RANGE).splitlines() == [
            "metric,value",
            "flagged_posts,4",
            "detector_first_posts,3",
            "detector_first_share,0.75",
            "actioned_posts,4",
            "median_seconds_to_action,5400",
            "appeals_decided,2",
            "appeals_reversed,1",
            "appeal_reversal_rate,0.5",
        ]
        assert all(table_csv(session, t, RANGE).startswith("day,") for t in TABLES if t != "summary")
        with pytest.raises(KeyError):
            table_csv(session, "posts", RANGE)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console(
    db_url: str, sessions: sessionmaker[Session], history: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app on the history's database, with an analyst and a reviewer who may sign in."""
    # A fixed secret, so no secret file is written next to the database (or into the checkout).
    monkeypatch.setenv("INTERDICTOR_SESSION_SECRET", "report-test-secret")
    with sessions.begin() as session:
        create_user(session, "ann", "ann-secret-1", m.Role.ANALYST)
        create_user(session, "rob", "rob-secret-1", m.Role.REVIEWER)
    with TestClient(create_app(db_url, policy="default")) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str) -> None:
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    form = {"username": username, "password": password, "csrf_token": token.group(1), "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_dashboard_pages(console: TestClient) -> None:
    query = "from=2026-03-01&to=2026-03-02"
    anonymous = console.get(f"/dashboard?{query}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=/dashboard")
    sign_in(console, "ann", "ann-secret-1")
    page = console.get(f"/dashboard?{query}")
    assert page.status_code == 200
    assert page.text.count("<svg") == 4
    assert '<dd id="flagged">4</dd>' in page.text
    assert "75.0% (3 of 4)" in page.text
    assert "50.0% (1 of 2 decided)" in page.text
    assert "<title" in page.text
    assert console.get("/dashboard").status_code == 200
    assert console.get("/dashboard?from=2026-03-05&to=2026-03-01").status_code == 400
    download = console.get(f"/dashboard.csv?table=by_label&{query}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text == "day,label,posts\n2026-03-01,drug_sale,2\n2026-03-02,drug_sale,2\n"
    assert console.get(f"/dashboard.csv?table=summary&{query}").text.startswith("metric,value\n")
    assert console.get("/dashboard.csv?table=users").status_code == 400
    console.cookies.clear()
    sign_in(console, "rob", "rob-secret-1")
    assert console.get(f"/dashboard?{query}").status_code == 403
    assert console.get(f"/dashboard.csv?table=summary&{query}").status_code == 403
