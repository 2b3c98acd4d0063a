"""Take the README's console screenshots: the queue, an item with its evidence marked, and
the dashboard, at 1280×800, from a demo database built here.

The demo database holds the sample posts (``data/sample/posts.jsonl``) plus a few written
below, scored with a demo policy that sends every flagged post to review, with user reports,
reviewers' verdicts and one reversed appeal so that every figure has something to show. The
app runs with uvicorn in a thread and Playwright drives Debian's Chromium (``/usr/bin/chromium``).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import uvicorn
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench_api import free_port
from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.detect.base import Post
from interdictor.ingest.files import post_from_mapping
from interdictor.review.appeals import decide_appeal, file_appeal
from interdictor.review.queue import Verdict, claim, decide, sync_queue
from interdictor.review.users import create_user
from interdictor.store import models as m
from interdictor.store.repository import add_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "demo-console-pw"
USERS = {"rivera": m.Role.REVIEWER, "okafor": m.Role.REVIEWER, "chen": m.Role.ANALYST}
MORE_POSTS = [
    {"id": "d-001", "text": "got weed for sale, dm me", "jurisdiction": "US-TX"},
    {"id": "d-002", "text": "blues M30 $20 each, DM to order, telegram @bluesplug", "jurisdiction": "US-AZ"},
    {"id": "d-003", "text": "selling xanax bars 2mg, cashapp only, hmu", "jurisdiction": "US-CA"},
    {"id": "d-004", "text": "pressed percs for sale, fast shipping, telegram @plug", "jurisdiction": "US-NM"},
    {"id": "d-005", "text": "selling herb, dm me for prices", "jurisdiction": "US-TX"},
    {"id": "d-006", "text": "selling molly and shrooms, cashapp", "jurisdiction": "MX"},
]
REPORTS = {"s-013": "looks like a coke ad", "s-005": "selling drugs?", "s-020": "drug talk"}


def _posts(days: int = 14) -> list[Post]:
    """The sample and demo posts, dated over the last ``days`` days (always the same way)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    lines = (ROOT / "data/sample/posts.jsonl").read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines if line.strip()] + MORE_POSTS
    for record in records:
        record["created_at"] = (now - timedelta(days=rng.uniform(0.2, days))).isoformat()
        record.setdefault("lang", "en")
        record.setdefault("surface", "social_post")
    return [post_from_mapping(record) for record in records]


def build(services: Services) -> None:
    """Fill the demo database: posts, users, reports, verdicts and a reversed appeal."""
    services.processor.submit(_posts())
    sessions: sessionmaker[Session] = services.sessions
    with sessions.begin() as session:
        users = {name: create_user(session, name, PASSWORD, role) for name, role in USERS.items()}
        ids = {key: id_ for key, id_ in session.execute(select(m.Post.platform_post_id, m.Post.id))}
        for post, reason in REPORTS.items():
            add_report(session, ids[post], reason, reporter="u-demo")
        sync_queue(session)
        reviewer = users["okafor"]
        removed = _decide(session, reviewer, ids["d-001"], Verdict.VIOLATING, m.ActionKind.REMOVE)
        _decide(session, reviewer, ids["d-003"], Verdict.VIOLATING, m.ActionKind.REMOVE)
        _decide(session, reviewer, ids["d-006"], Verdict.VIOLATING, m.ActionKind.RESTRICT)
        appeal = file_appeal(session, removed, "u-41", "it was a joke about my garden")
        item = session.scalars(
            select(m.ReviewItem).where(m.ReviewItem.source_key == f"appeal:{appeal.id}")
        ).one()
        claim(session, item.id, users["rivera"])
        decide_appeal(session, appeal.id, users["rivera"], upheld=False, note="no sale in the post")


def _decide(
    session: Session, user: m.User, post_id: int, verdict: Verdict, action: m.ActionKind | None
) -> int:
    item = session.scalars(
        select(m.ReviewItem).where(m.ReviewItem.post_id == post_id, m.ReviewItem.kind == m.ReviewKind.REVIEW)
    ).one()
    claim(session, item.id, user)
    decide(session, item.id, user, verdict, action)
    return post_id


def _sign_in(page: Page, base: str, user: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + path)


def shoot(base: str, out: Path) -> None:
    """Sign in and save queue.png, item.png and dashboard.png under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
        _sign_in(page, base, "rivera", "/queue")
        page.screenshot(path=str(out / "queue.png"))
        # d-002, the one in Arizona: its evidence has no emoji, which headless Chromium may lack.
        page.locator('tr.queue-row:has-text("US-AZ") a.open').click()
        page.wait_for_selector("#post-text mark.ev")
        page.screenshot(path=str(out / "item.png"))
        analyst = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
        _sign_in(analyst, base, "chen", "/dashboard")
        analyst.screenshot(path=str(out / "dashboard.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Everything the detector flags goes to a person, so the queue has something to show.
        app = create_app(f"sqlite:///{Path(tmp) / 'demo.db'}", policy="review_all")
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:  # the lifespan migrates the database first
            time.sleep(0.05)
        try:
            build(app.state.services)
            shoot(f"http://127.0.0.1:{port}", args.out)
        finally:
            server.should_exit = True
            thread.join()
    for name in ("queue", "item", "dashboard"):
        path = args.out / f"{name}.png"
        print(f"{path}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
