"""One story through the whole console, in a real browser against uvicorn on a SQLite file:
posts come in through the API, a reviewer removes one by keyboard and the platform's webhook
receiver gets the signed action, an appeal reverses it, the analyst's dashboard shows both,
and only an admin opens the admin page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from interdictor.actions.outbox import Dispatcher
from interdictor.actions.signing import SignatureError, verify
from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.review.users import create_user
from interdictor.store.keys import create_key
from interdictor.store.models import Role
from web_helpers import chromium, password, served, signed_in

WEBHOOK_SECRET = "e2e-webhook-secret"
USERS = {"alice": Role.REVIEWER, "bob": Role.REVIEWER, "carol": Role.ANALYST, "root": Role.ADMIN}
# The default policy escalates a fentanyl sale (to law enforcement liaisons, no platform
# action) and sends an uncertain ordinary sale to review.
POSTS = {
    "fent-1": ("blues M30 $20 each, DM to order", "escalate"),
    "weed-1": ("weed for sale, dm me", "review"),
}

browser = pytest.fixture(scope="module")(chromium)


@dataclass
class Received:
    """What the platform's webhook receiver got: verified payloads and refused requests."""

    payloads: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    """A local webhook receiver that checks every request's signature, as a platform would."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                verify(body, dict(self.headers.items()), WEBHOOK_SECRET)
            except SignatureError as exc:
                received.refused.append(str(exc))
                self.send_response(401)
            else:
                received.payloads.append(orjson.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/interdictor", received
    server.shutdown()
    thread.join()
    server.server_close()


def _sign_out(page: Any, base: str) -> None:
    page.click("form.logout button[type=submit]")
    page.wait_for_url(base + "/login")


def test_the_console_from_intake_to_appeal(
    browser: Any, receiver: tuple[str, Received], tmp_path: Path
) -> None:
    hook_url, received = receiver
    app = create_app(f"sqlite:///{tmp_path / 'e2e.db'}")
    services: Services = app.state.services
    with served(app) as base:
        with services.sessions.begin() as session:
            for name, role in USERS.items():
                create_user(session, name, password(name), role)
            _, integrator = create_key(session, "platform", Role.INTEGRATOR)
        with (
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {integrator}"}) as api,
            Dispatcher(services.sessions, hook_url, WEBHOOK_SECRET) as dispatcher,
        ):
            _story(browser, base, api, dispatcher, received)


def _story(browser: Any, base: str, api: httpx.Client, dispatcher: Dispatcher, received: Received) -> None:
    """Steps a to f of the story, against the app at ``base``."""
    # a. The platform submits posts through the API.
    post_ids: dict[str, int] = {}
    for key, (text, action) in POSTS.items():
        response = api.post("/v1/posts", json={"id": key, "text": text, "lang": "en"})
        assert response.status_code == 200, response.text
        assert response.json()["action"] == action
        post_ids[key] = response.json()["post_id"]

    # b. The analyst reads the dashboard: nothing actioned yet.
    carol = signed_in(browser, base, "carol", "/dashboard")
    before = carol.inner_text("#median")
    assert before == "–"
    assert carol.inner_text("#reversal") == "–"
    _sign_out(carol, base)

    # c. A reviewer removes the ordinary sale by keyboard; the platform gets one signed webhook.
    alice = signed_in(browser, base, "alice", "/queue")
    rows = alice.locator("tr.queue-row")
    assert rows.count() == 1  # the escalation waits for a liaison, not a reviewer
    rows.first.locator("a.open").click()
    alice.wait_for_url(f"{base}/items/*")
    alice.keyboard.press("r")
    alice.wait_for_url(base + "/queue")
    assert "Violating: remove" in alice.inner_text(".flash")
    assert dispatcher.deliver_due().delivered == 1
    assert received.refused == []
    assert [(p["post_id"], p["action"]) for p in received.payloads] == [("weed-1", "remove")]

    # d. The poster appeals; another reviewer reverses it and the platform is told.
    response = api.post(
        f"/v1/posts/{post_ids['weed-1']}/appeals",
        json={"appellant": "u-7", "reason": "it was about a garden"},
    )
    assert response.status_code == 201, response.text
    appeal_id = response.json()["id"]
    bob = signed_in(browser, base, "bob", "/queue")
    link = bob.locator("tr.queue-row a.open").first
    assert link.get_attribute("href") == f"/appeals/{appeal_id}"
    link.click()
    bob.click("button[value=reverse]")
    bob.wait_for_url(base + "/queue")
    assert dispatcher.deliver_due().delivered == 1
    assert received.refused == []
    assert [(p["post_id"], p["action"]) for p in received.payloads] == [
        ("weed-1", "remove"),
        ("weed-1", "reverse"),
    ]

    # e. The dashboard now counts the action and the reversed appeal.
    carol = signed_in(browser, base, "carol", "/dashboard")
    after = carol.inner_text("#median")
    assert after != before and "(1 posts actioned)" in after
    assert carol.inner_text("#reversal").startswith("100.0%")

    # f. Only an admin opens the admin page.
    answer = alice.goto(base + "/admin")
    assert answer is not None and answer.status == 403
    assert "may not open this page" in alice.inner_text("#error-message")
    root = signed_in(browser, base, "root", "/admin")
    assert root.locator('tr.user-row[data-user="alice"]').count() == 1
    root.click("#verify-audit")
    assert root.inner_text("#audit-problems") == "0"
