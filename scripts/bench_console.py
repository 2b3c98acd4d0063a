"""Time the review console's pages on a SQLite database of 10,000 ingested posts.

Builds the database through the real Processor (batches of 500), adds a reviewer and an
analyst, runs uvicorn in a subprocess, signs in and prints the median and slowest of
``--requests`` sequential requests per page, in milliseconds. No thresholds: it reports.

    .venv/bin/python scripts/bench_console.py [--posts 10000] [--requests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench_api import free_port, start_server, wait_until_up
from interdictor.detect.base import Post
from interdictor.ingest.service import Processor
from interdictor.policy import load_policy
from interdictor.review.queue import sync_queue
from interdictor.review.users import create_user
from interdictor.store import models as m
from interdictor.store.db import make_engine, session_factory, upgrade
from interdictor.store.repository import add_report

BATCH = 500
TEXTS = (
    "blues M30 $20 each, DM to order",
    "pressed percs for sale, fast shipping, telegram @plug{n}",
    "selling xanax bars 2mg, cashapp only, hmu {n}",
    "need drivers for border runs, $2k per trip, no questions, whatsapp +52 55 1234 {n:04d}",
    "Snow tires for sale, 4 Blizzaks, ${n}",
    "great hike today, sunset at {n} was amazing",
    "who wants to grab lunch? {n}",
    "carts and gummies, 1g $35, ship nationwide, snap: green{n}",
)
JURISDICTIONS = ("US-CA", "US-TX", "MX", "US", None)
PASSWORD = "bench-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build(url: str, posts: int) -> int:
    """Ingest ``posts`` posts, add the users and some reports; the id of an item a reviewer may open."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    processor = Processor(sessions, load_policy("default"))
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, posts, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, posts)):
            jurisdiction = rng.choice(JURISDICTIONS)
            batch.append(
                Post(
                    f"bench-{n}",
                    rng.choice(TEXTS).format(n=n),
                    lang="en",
                    author=f"acct-{n % 997}",
                    created_at=(now - timedelta(minutes=rng.randrange(30 * 24 * 60))).isoformat(),
                    extra={"jurisdiction": jurisdiction} if jurisdiction else {},
                )
            )
        processor.submit(batch)
    print(f"ingested {posts} posts in {time.perf_counter() - started:.1f} s", flush=True)
    with sessions.begin() as session:
        create_user(session, "reviewer", PASSWORD, m.Role.REVIEWER)
        create_user(session, "analyst", PASSWORD, m.Role.ANALYST)
        create_user(session, "admin", PASSWORD, m.Role.ADMIN)
        for post_id in session.scalars(select(m.Post.id).order_by(m.Post.id).limit(200)):
            add_report(session, post_id, "looks like a sale", reporter="bench")
        sync_queue(session)
        items = session.scalar(select(func.count(m.ReviewItem.id)))
        item_id = session.scalars(
            select(m.ReviewItem.id)
            .where(m.ReviewItem.kind.in_([m.ReviewKind.REVIEW, m.ReviewKind.REPORT]))
            .order_by(m.ReviewItem.priority.desc())
            .limit(1)
        ).one()
    print(f"{items} review items", flush=True)
    engine.dispose()
    return item_id


def sign_in(client: httpx.Client, username: str) -> None:
    token = CSRF.search(client.get("/login").text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    response = client.post("/login", data=form)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {username} failed: {response.status_code}")


def time_page(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    """Median and maximum milliseconds of ``requests`` GETs (after one warm-up)."""
    client.get(path).raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


async def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        await wait_until_up(client, server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        item_id = build(url, args.posts)
        port = free_port()
        server = start_server(url, port, INTERDICTOR_SESSION_SECRET="bench")
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_until_up(base, server))
            with (
                httpx.Client(base_url=base) as anonymous,
                httpx.Client(base_url=base) as reviewer,
                httpx.Client(base_url=base) as analyst,
                httpx.Client(base_url=base) as admin,
            ):
                sign_in(reviewer, "reviewer")
                sign_in(analyst, "analyst")
                sign_in(admin, "admin")
                pages = [
                    ("/login", anonymous),
                    ("/queue", reviewer),
                    (f"/items/{item_id}", reviewer),
                    ("/dashboard", analyst),
                    ("/admin", admin),
                ]
                print(f"{'page':<16}{'median ms':>10}{'max ms':>10}")
                for path, client in pages:
                    median, slowest = time_page(client, path, args.requests)
                    print(f"{path:<16}{median:>10.1f}{slowest:>10.1f}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
