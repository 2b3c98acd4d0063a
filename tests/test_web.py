"""The review console in a real browser (Playwright on Debian's Chromium) against uvicorn on a
SQLite file: sign-in, CSRF, the queue, deciding by click and key, locks, roles and appeals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session, sessionmaker

from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.review.users import create_user
from interdictor.store.audit import AuditLog
from interdictor.store.keys import create_key
from interdictor.store.models import Action, Appeal, Decision, ReviewItem, Role
from interdictor.web.auth import SECRET_ENV, session_secret
from web_helpers import chromium, client, csrf, password, served, signed_in

PERCS = "pressed percs for sale, fast shipping, telegram @plug"
XANAX = "selling xanax bars 2mg, cashapp only, hmu"
FENTANYL = "blues M30 $20 each, DM to order"
USERS = {
    "alice": Role.REVIEWER,
    "bob": Role.REVIEWER,
    "carol": Role.ANALYST,
    "lena": Role.LE_LIAISON,
    "root": Role.ADMIN,
}


@dataclass
class Console:
    """A running app on a SQLite file, its sessions, and an integrator's API key."""

    base: str
    sessions: sessionmaker[Session]
    integrator: str
    post_ids: dict[str, int]

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.integrator}"}
        return httpx.request(method, self.base + path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def item_of(self, post: str) -> int:
        with self.sessions() as session:
            query = select(ReviewItem.id).where(
                ReviewItem.post_id == self.post_ids[post], ReviewItem.kind == "review"
            )
            return session.scalars(query).one()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    app = create_app(f"sqlite:///{tmp_path / 'console.db'}", policy="review_all")
    with served(app) as base:
        yield _seeded(app, base)


def _seeded(app: FastAPI, base: str) -> Console:
    """Users, an integrator key and three posts waiting for review."""
    services: Services = app.state.services
    with services.sessions.begin() as session:
        for name, role in USERS.items():
            create_user(session, name, password(name), role)
        _, secret = create_key(session, "platform", Role.INTEGRATOR)
    console = Console(base, services.sessions, secret, {})
    # Submitted (so waiting) first, with a large reach: fentanyl still comes first.
    for post_id, text, extra in (
        ("percs", PERCS, {"reach": 100_000}),
        ("xanax", XANAX, {"reach": 100_000, "images": ["https://img.example/x.jpg"]}),
        ("fentanyl", FENTANYL, {}),
    ):
        response = console.api("POST", "/v1/posts", json={"id": post_id, "text": text, "lang": "en", **extra})
        assert response.status_code == 200, response.text
        assert response.json()["action"] == "review"
        console.post_ids[post_id] = response.json()["post_id"]
    return console


browser = pytest.fixture(scope="module")(chromium)


def _page(browser: object, console: Console, user: str):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in as ``user``."""
    return signed_in(browser, console.base, user)


def _client(console: Console, user: str | None) -> AbstractContextManager[httpx.Client]:
    """An HTTP client, signed in as ``user`` unless None."""
    return client(console.base, user)


def test_sign_in_refuses_a_wrong_password_and_keeps_next_local(browser: object, console: Console) -> None:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(console.base + "/login?next=https://evil.example/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "Wrong username or password" in page.inner_text("#login-error")
    page.fill("input[name=password]", password("alice"))
    page.click("button[type=submit]")
    page.wait_for_url(console.base + "/queue")
    assert "alice (reviewer)" in page.inner_text("header")


def test_signing_in_without_next_lands_on_the_users_start_page(console: Console) -> None:
    """Analysts may not open the queue, so they start on their dashboard."""
    for user, start in (("carol", "/dashboard"), ("alice", "/queue"), ("root", "/queue")):
        with _client(console, None) as http:
            form = {"username": user, "password": password(user), "csrf_token": csrf(http, "/login")}
            response = http.post("/login", data=form)
            assert (response.status_code, response.headers["location"]) == (303, start), user
            assert http.get(start).status_code == 200, user


def test_a_reviewer_decides_by_click_and_by_key(browser: object, console: Console) -> None:
    page = _page(browser, console, "alice")
    rows = page.locator("tr.queue-row")
    assert rows.count() == 3
    assert "fentanyl" in rows.nth(0).locator(".substances").inner_text()
    fentanyl = console.item_of("fentanyl")
    rows.nth(0).locator("a.open").click()
    page.wait_for_url(f"{console.base}/items/{fentanyl}")
    mark = page.locator("#post-text mark.ev").first
    assert mark.is_visible()
    assert "fentanyl" in (mark.get_attribute("title") or "").lower()
    # The second reviewer finds the item locked, with no way to decide it.
    other = _page(browser, console, "bob")
    other.goto(f"{console.base}/items/{fentanyl}")
    assert "alice" in other.inner_text("#locked")
    assert other.locator("#decide").count() == 0

    page.fill("textarea[name=note]", "pressed fentanyl pills")
    page.click("button[value=remove]")
    page.wait_for_url(re.compile(r".*/items/\d+$"))
    assert page.url != f"{console.base}/items/{fentanyl}"
    next_item = int(page.url.rsplit("/", 1)[1])
    page.keyboard.press("n")
    page.wait_for_url(lambda url: not url.endswith(f"/items/{next_item}"))
    with console.sessions() as session:
        decisions = session.scalars(select(Decision).where(Decision.actor == "user:alice")).all()
        assert [(d.post_id, d.action) for d in decisions] == [
            (console.post_ids["fentanyl"], "remove"),
            (session.get_one(ReviewItem, next_item).post_id, "none"),
        ]
        actions = session.scalars(select(Action).where(Action.decision_id == decisions[0].id)).all()
        assert [a.kind for a in actions] == ["remove"]
        assert AuditLog.verify(session) == []
    page.goto(console.base + "/queue")
    assert page.inner_text("#decided-today") == "2"


def test_roles_and_csrf(browser: object, console: Console) -> None:
    analyst = _page(browser, console, "carol")  # signs in, but may not open the queue
    assert "may not open this page" in analyst.inner_text("#error-message")
    liaison = _page(browser, console, "lena")
    assert liaison.locator("tr.queue-row").count() == 0  # no escalations yet
    liaison.goto(f"{console.base}/items/{console.item_of('percs')}")
    assert "not for the le_liaison role" in liaison.inner_text("#error-message")
    with _client(console, "alice") as client:
        item = console.item_of("percs")
        assert client.post(f"/items/{item}/decide", data={"choice": "remove"}).status_code == 403
        assert client.post("/logout").status_code == 403
    with _client(console, None) as anonymous:
        form = {"username": "alice", "password": password("alice")}
        assert anonymous.post("/login", data=form).status_code == 403


def test_an_appeal_is_reversed_by_another_reviewer(browser: object, console: Console) -> None:
    alice = _page(browser, console, "alice")
    fentanyl = console.item_of("fentanyl")
    alice.goto(f"{console.base}/items/{fentanyl}")
    alice.click("button[value=remove]")
    alice.wait_for_url(re.compile(r".*/items/\d+$"))
    response = console.api(
        "POST",
        f"/v1/posts/{console.post_ids['fentanyl']}/appeals",
        json={"appellant": "u-9", "reason": "that was a photo of candy"},
    )
    assert response.status_code == 201, response.text
    appeal_id = response.json()["id"]
    alice.goto(f"{console.base}/appeals/{appeal_id}")
    assert "another reviewer must decide" in alice.inner_text("#own-decision")
    bob = _page(browser, console, "bob")
    assert bob.locator("tr.queue-row a.open").first.get_attribute("href") == f"/appeals/{appeal_id}"
    bob.click("tr.queue-row a.open >> nth=0")
    assert "photo of candy" in bob.inner_text("#appeal-reason")
    bob.click("button[value=reverse]")
    bob.wait_for_url(lambda url: "/appeals/" not in url)
    with console.sessions() as session:
        appeal = session.get_one(Appeal, appeal_id)
        assert appeal.status == "reversed"
        reversal = session.scalars(
            select(Action).where(Action.idempotency_key == f"reversal:{appeal_id}")
        ).one()
        assert reversal.payload["action"] == "reverse"
        assert AuditLog.verify(session) == []


def test_every_page_answers_without_a_server_error_for_every_role(console: Console) -> None:
    item = console.item_of("xanax")
    paths = [
        "/login",
        "/queue",
        "/queue?kind=escalate",
        "/queue?kind=bogus",
        f"/items/{item}",
        "/items/999",
        "/appeals/999",
        "/static/console.css",
        "/static/console.js",
    ]
    for user in [None, *USERS]:
        with _client(console, user) as client:
            for path in paths:
                status = client.get(path).status_code
                assert status < 500 and status in {200, 303, 400, 403, 404}, (user, path, status)


def test_the_session_secret_is_made_once_next_to_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    url = make_url(f"sqlite:///{tmp_path / 'x.db'}")
    secret = session_secret(url)
    assert len(secret) >= 32 and session_secret(url) == secret
    assert (tmp_path / "x.db.session-secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(SECRET_ENV, "from the environment")
    assert session_secret(url) == "from the environment"
