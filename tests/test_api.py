"""The HTTP API against real SQLite and PostgreSQL databases, through FastAPI's TestClient.

The client re-raises any exception the app did not answer on purpose, so every test here
also shows that its requests never reach the last-resort 500 handler.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from interdictor.api.app import create_app
from interdictor.api.cli import LOCAL_ADMIN, ensure_admin_key, ensure_console_admin, seed_posts
from interdictor.api.services import Services
from interdictor.review.users import authenticate as authenticate_user
from interdictor.store.audit import AuditLog
from interdictor.store.db import session_factory
from interdictor.store.keys import create_key
from interdictor.store.models import Action, ActionStatus, AuditEntry, Base, Decision, Post, Role, UserReport

FENTANYL = "pressed M30s blues, DM to order, telegram @plugz"
PILLS = "selling xanax bars and molly, telegram @plugz"  # the default policy removes it
RECRUITING = "se buscan choferes, pago por viaje, recoger gente cerca de la frontera, 2000 dolares por viaje"
BENIGN = "lovely weather for a picnic today"


@dataclass
class Api:
    """A running app, its database and one API key per caller name."""

    client: TestClient
    sessions: sessionmaker[Session]
    keys: dict[str, tuple[int, str]] = field(default_factory=dict)

    def key_id(self, who: str) -> int:
        return self.keys[who][0]

    def auth(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who][1]}"} if who else {}

    def call(
        self, who: str | None, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Response:
        return self.client.request(method, path, headers={**self.auth(who), **(headers or {})}, **kwargs)

    def submit(self, post_id: str, text: str, who: str = "integrator", **fields: Any) -> dict[str, Any]:
        response = self.call(who, "POST", "/v1/posts", json={"id": post_id, "text": text, **fields})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def count(self, model: type[Base]) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def add_key(self, name: str, role: Role) -> None:
        with self.sessions.begin() as session:
            key, secret = create_key(session, name, role)
            self.keys[name] = (key.id, secret)


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    app = create_app(db_url)
    services: Services = app.state.services
    with TestClient(app) as client:  # runs the startup migration
        api = Api(client, services.sessions)
        for role in Role:
            api.add_key(role, role)
        api.add_key("other_integrator", Role.INTEGRATOR)
        yield api


def _error(response: Response, status: int, error: str) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == error and body["detail"]
    return body["detail"]


def _dead_action(api: Api) -> int:
    """A new outbox row whose delivery gave up."""
    (action_id,) = api.submit(f"dead-{api.count(Post)}", PILLS)["action_ids"]
    with api.sessions.begin() as session:
        action = session.get(Action, action_id)
        assert action is not None
        action.status, action.attempts, action.last_error = ActionStatus.DEAD, 8, "HTTP 503"
    return int(action_id)


def test_submitting_a_post_answers_and_stores_its_decision(api: Api) -> None:
    outcome = api.submit(
        "p-1", FENTANYL, surface="social_post", account={"id": "u-1", "jurisdiction": "us-ca"}
    )

    assert outcome["labels"] == ["drug_sale"] and "fentanyl" in outcome["substances"]
    assert outcome["scores"]["drug_sale"] >= 0.5
    assert (outcome["action"], outcome["rule"], outcome["shadow"]) == ("escalate", "fentanyl_sale", False)
    assert outcome["duplicate"] is False and outcome["id"] == "p-1"
    with api.sessions() as session:
        post = session.get(Post, outcome["post_id"])
        assert post is not None
        assert (post.platform_post_id, post.jurisdiction) == ("p-1", "US-CA")
        assert post.submitted_by == api.key_id("integrator")
        assert post.account is not None and post.account.platform_account_id == "u-1"
        decision = session.get(Decision, outcome["decision_id"])
        assert decision is not None and decision.action == "escalate"


def test_a_post_that_is_resubmitted_is_stored_once(api: Api) -> None:
    first = api.submit("p-1", PILLS)
    again = api.submit("p-1", "a different text is ignored: the id is the post")

    assert again["duplicate"] is True and first["duplicate"] is False
    for key in ("post_id", "decision_id", "action", "labels", "action_ids"):
        assert again[key] == first[key]
    assert (api.count(Post), api.count(Decision), api.count(Action)) == (1, 1, 1)


def test_a_batch_processes_its_valid_items_and_says_why_others_were_not(api: Api) -> None:
    posts = [
        {"id": "b-1", "text": PILLS},
        {"id": "b-2"},
        42,
        {"id": "b-3", "text": RECRUITING, "lang": "es"},
        {"id": "b-4", "text": BENIGN, "jurisdiction": "not a code"},
        {"id": "b-1", "text": PILLS},
    ]
    response = api.call("integrator", "POST", "/v1/posts:batch", json={"posts": posts})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(posts)
    assert results[0]["action"] == "remove" and results[0]["duplicate"] is False
    assert results[1] == {"index": 1, "error": "text: Field required"}
    assert results[2]["index"] == 2 and "dictionary" in results[2]["error"]
    assert results[3]["labels"] == ["smuggling_recruitment"] and results[3]["action"] == "escalate"
    assert results[4]["index"] == 4 and results[4]["error"].startswith("jurisdiction:")
    assert results[5]["duplicate"] is True and results[5]["post_id"] == results[0]["post_id"]
    assert api.count(Post) == 2


def test_a_batch_holds_at_most_1000_posts(api: Api) -> None:
    posts = [{"id": f"p{i}", "text": BENIGN} for i in range(1001)]
    detail = _error(
        api.call("integrator", "POST", "/v1/posts:batch", json={"posts": posts}), 422, "invalid_request"
    )
    assert detail[0]["loc"] == ["body", "posts"]
    assert api.count(Post) == 0


def test_an_integrator_reads_only_what_it_submitted(api: Api) -> None:
    mine = api.submit("shared-id", FENTANYL)
    theirs = api.submit("theirs", PILLS, who="other_integrator")

    _error(
        api.call("other_integrator", "POST", "/v1/posts", json={"id": "shared-id", "text": "x"}),
        409,
        "conflict",
    )
    batch = api.call(
        "other_integrator", "POST", "/v1/posts:batch", json={"posts": [{"id": "shared-id", "text": "x"}]}
    )
    assert batch.json()["results"] == [
        {"index": 0, "error": "post 'shared-id' was submitted with another API key"}
    ]
    _error(api.call("other_integrator", "GET", f"/v1/posts/{mine['post_id']}"), 404, "not_found")
    assert api.call("integrator", "GET", f"/v1/posts/{mine['post_id']}").status_code == 200
    decisions = api.call("other_integrator", "GET", "/v1/decisions").json()["items"]
    assert [d["post_id"] for d in decisions] == [theirs["post_id"]]
    everything = api.call("reviewer", "GET", "/v1/decisions").json()["items"]
    assert [d["post_id"] for d in everything] == [theirs["post_id"], mine["post_id"]]
    # An admin may resubmit anyone's post and read its stored decision.
    assert api.submit("shared-id", "x", who="admin")["decision_id"] == mine["decision_id"]


def test_user_reports_are_kept_and_audited(api: Api) -> None:
    post_id = api.submit("p-1", BENIGN)["post_id"]

    response = api.call(
        "integrator",
        "POST",
        f"/v1/posts/{post_id}/reports",
        json={"reporter": "user-9", "reason": "selling pills"},
    )

    assert response.status_code == 201
    report = response.json()
    assert (report["post_id"], report["reporter"], report["reason"]) == (post_id, "user-9", "selling pills")
    with api.sessions() as session:
        assert session.get(UserReport, report["id"]) is not None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.verb == "report.create")).one()
        assert entry.actor == f"key:{api.key_id('integrator')}"
        assert entry.data == {"post_id": post_id}  # the reporter's words stay out of the append-only log
    detail = api.call("reviewer", "GET", f"/v1/posts/{post_id}").json()
    assert [r["reason"] for r in detail["reports"]] == ["selling pills"]
    _error(api.call("integrator", "POST", "/v1/posts/9999/reports", json={"reason": "x"}), 404, "not_found")
    _error(
        api.call("integrator", "POST", f"/v1/posts/{post_id}/reports", json={"reason": ""}),
        422,
        "invalid_request",
    )


def test_posts_and_decisions_are_listed_by_filter(api: Api) -> None:
    fentanyl = api.submit("f", FENTANYL, account={"id": "u-1", "jurisdiction": "US-CA"})
    pills = api.submit("p", PILLS, jurisdiction="MX")
    recruiting = api.submit("r", RECRUITING, jurisdiction="US-TX")
    benign = api.submit("b", BENIGN)

    def posts(**params: Any) -> list[str]:
        response = api.call("analyst", "GET", "/v1/posts", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    def decisions(who: str = "reviewer", **params: Any) -> list[int]:
        response = api.call(who, "GET", "/v1/decisions", params=params)
        assert response.status_code == 200, response.text
        return [d["post_id"] for d in response.json()["items"]]

    assert posts() == ["b", "r", "p", "f"]  # newest first
    assert posts(label="drug_sale") == ["p", "f"]
    assert posts(label="smuggling_recruitment") == ["r"]
    assert posts(action="remove") == ["p"]
    assert posts(jurisdiction="US") == ["r", "f"]
    assert posts(jurisdiction="us-ca") == ["f"]
    assert posts(since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []
    assert posts(until=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == ["b", "r", "p", "f"]
    assert posts(since="2000-01-01T00:00:00", until="2000-01-02T00:00:00") == []

    first = api.call("le_liaison", "GET", "/v1/posts", params={"limit": 3}).json()
    assert (len(first["items"]), first["next_offset"]) == (3, 3)
    rest = api.call("le_liaison", "GET", "/v1/posts", params={"limit": 3, "offset": 3}).json()
    assert ([p["id"] for p in rest["items"]], rest["next_offset"]) == (["f"], None)
    summary = first["items"][2]
    assert (summary["id"], summary["labels"], summary["action"]) == ("p", ["drug_sale"], "remove")

    assert decisions(action="escalate") == [recruiting["post_id"], fentanyl["post_id"]]
    assert decisions(label="drug_sale", jurisdiction="MX") == [pills["post_id"]]
    assert decisions(shadow=True) == []
    assert decisions("integrator", action="none") == [benign["post_id"]]


def test_a_post_comes_with_what_was_found_decided_and_done(api: Api) -> None:
    outcome = api.submit("p-1", PILLS, surface="marketplace_listing", price="20")

    detail = api.call("le_liaison", "GET", f"/v1/posts/{outcome['post_id']}").json()

    assert (detail["id"], detail["text"], detail["surface"]) == ("p-1", PILLS, "marketplace_listing")
    assert detail["extra"] == {"price": "20"}
    assert detail["submitted_by"] == api.key_id("integrator")
    (detection,) = detail["detections"]
    assert detection["model_version"] and detection["lexicon_version"]
    assert detection["labels"] == ["drug_sale"] and detection["scores"] == outcome["scores"]
    assert detection["indicators"] == [{"type": "telegram", "value": "@plugz", "normalized": "plugz"}]
    for evidence in detection["evidence"]:
        assert PILLS[evidence["start"] : evidence["end"]] == evidence["text"]
    (decision,) = detail["decisions"]
    assert (decision["id"], decision["action"], decision["actor"]) == (
        outcome["decision_id"],
        "remove",
        "system",
    )
    (action,) = detail["actions"]
    assert (action["kind"], action["status"], action["payload"]["post_id"]) == ("remove", "pending", "p-1")
    assert detail["reports"] == []


def test_the_outbox_is_visible_and_dead_actions_can_be_retried(api: Api) -> None:
    action_id = _dead_action(api)

    dead = api.call("analyst", "GET", "/v1/actions", params={"status": "dead"}).json()["items"]
    assert [(a["id"], a["last_error"], a["attempts"]) for a in dead] == [(action_id, "HTTP 503", 8)]
    assert api.call("analyst", "GET", "/v1/actions", params={"status": "pending"}).json()["items"] == []

    retried = api.call("admin", "POST", f"/v1/actions/{action_id}/retry")

    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert api.call("admin", "GET", "/v1/actions", params={"status": "dead"}).json()["items"] == []
    _error(api.call("admin", "POST", f"/v1/actions/{action_id}/retry"), 409, "conflict")
    _error(api.call("admin", "POST", "/v1/actions/9999/retry"), 404, "not_found")


# Every endpoint, and the roles it serves besides admin, who may do everything.
READERS = {Role.REVIEWER, Role.ANALYST, Role.LE_LIAISON}
ENDPOINTS: list[tuple[str, str, set[Role]]] = [
    ("POST", "/v1/posts", {Role.INTEGRATOR}),
    ("POST", "/v1/posts:batch", {Role.INTEGRATOR}),
    ("POST", "/v1/posts/{post_id}/reports", {Role.INTEGRATOR}),
    ("GET", "/v1/posts", READERS),
    ("GET", "/v1/posts/{post_id}", READERS | {Role.INTEGRATOR}),  # the integrator submitted it
    ("GET", "/v1/decisions", READERS | {Role.INTEGRATOR}),
    ("GET", "/v1/actions", {Role.ANALYST}),
    ("POST", "/v1/actions/{action_id}/retry", set()),
    ("POST", "/v1/keys", set()),
    ("GET", "/v1/keys", set()),
    ("DELETE", "/v1/keys/{key_id}", set()),
    ("GET", "/v1/audit", set()),
    ("GET", "/v1/audit/verify", set()),
]
BODIES = {
    "/v1/posts": {"id": "roles", "text": BENIGN},
    "/v1/posts:batch": {"posts": [{"id": "roles", "text": BENIGN}]},
    "/v1/posts/{post_id}/reports": {"reason": "spam"},
    "/v1/keys": {"name": "made in a test", "role": "reviewer"},
}


def test_each_role_is_refused_what_it_may_not_do(api: Api) -> None:
    post_id = api.submit("owned", BENIGN)["post_id"]
    wrong: list[str] = []
    for method, template, allowed in ENDPOINTS:
        for who in (None, *Role):
            ids = {"post_id": post_id}
            if "{action_id}" in template:
                ids["action_id"] = _dead_action(api)
            if "{key_id}" in template:
                api.add_key("to revoke", Role.REVIEWER)
                ids["key_id"] = api.key_id("to revoke")
            path = template.format(**ids)
            response = api.call(who, method, path, json=BODIES.get(template))
            expected = 401 if who is None else 200 if who in allowed | {Role.ADMIN} else 403
            got = 200 if response.status_code in (200, 201) else response.status_code
            if got != expected:
                wrong.append(f"{who} {method} {path}: {response.status_code} {response.text[:200]}")
            elif got != 200:
                assert response.json()["error"] == ("unauthorized" if got == 401 else "forbidden")
    assert wrong == []


def test_keys_are_made_and_revoked_by_admins_and_work_at_once(api: Api) -> None:
    made = api.call("admin", "POST", "/v1/keys", json={"name": "moderation team", "role": "reviewer"})
    assert made.status_code == 201
    key = made.json()
    assert key["secret"].startswith("idk_") and key["revoked_at"] is None
    reviewer = {"X-API-Key": key["secret"]}  # the other way to send a key
    assert api.client.get("/v1/posts", headers=reviewer).status_code == 200
    listed = api.call("admin", "GET", "/v1/keys").json()["items"]
    assert "secret" not in listed[0] and listed[0]["id"] == key["id"]

    revoked = api.call("admin", "DELETE", f"/v1/keys/{key['id']}", params={"reason": "left the team"})

    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (
        _error(api.client.get("/v1/posts", headers=reviewer), 401, "unauthorized")
        == "unknown or revoked API key"
    )
    assert (
        api.call("admin", "DELETE", f"/v1/keys/{key['id']}").json()["revoked_at"]
        == revoked.json()["revoked_at"]
    )
    _error(api.call("admin", "DELETE", "/v1/keys/9999"), 404, "not_found")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer idk_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"X-API-Key": "idk_forged"},
    ],
)
def test_requests_without_a_valid_key_are_unauthorized(api: Api, headers: dict[str, str]) -> None:
    response = api.client.get("/v1/posts", headers=headers)
    _error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"id": "p", "text": "x",}', b"not json", b"\xff\xfe\x00{", b'{"id": "p", "text": "\xff"}'],
)
def test_a_body_that_is_not_json_is_a_bad_request(api: Api, body: bytes) -> None:
    for path in ("/v1/posts", "/v1/posts:batch"):
        response = api.call(
            "integrator", "POST", path, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] in ("invalid_json", "bad_request")
    assert api.count(Post) == 0


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"id": "p"}, ["body", "text"]),
        ({"id": "", "text": "x"}, ["body", "id"]),
        ({"id": 7, "text": "x"}, ["body", "id"]),
        ({"id": "p", "text": "nul \u0000 inside"}, ["body", "text"]),
        ({"id": "p", "text": "x", "surface": "s" * 33}, ["body", "surface"]),
        ({"id": "p", "text": "x", "author": "a", "account": {"id": "b"}}, ["body"]),
        ({"id": "p", "text": "x", "account": {"id": "b", "unknown": 1}}, ["body", "account", "unknown"]),
        ({"id": "p", "text": "x", "big": 2**70}, ["body"]),
        ([{"id": "p", "text": "x"}], ["body"]),
    ],
)
def test_an_invalid_post_is_refused_with_reasons(api: Api, body: Any, where: list[str]) -> None:
    detail = _error(api.call("integrator", "POST", "/v1/posts", json=body), 422, "invalid_request")
    assert detail[0]["loc"] == where and detail[0]["msg"]
    assert api.count(Post) == 0


def test_a_lone_surrogate_is_refused(api: Api) -> None:
    body = b'{"id": "p", "text": "half a pair \\ud800"}'
    response = api.call(
        "integrator", "POST", "/v1/posts", content=body, headers={"Content-Type": "application/json"}
    )
    assert _error(response, 422, "invalid_request")[0]["loc"] == ["body", "text"]


def test_bodies_over_the_limit_are_refused(api: Api) -> None:
    big = {"id": "p", "text": "x" * (1024 * 1024)}
    _error(api.call("integrator", "POST", "/v1/posts", json=big), 413, "content_too_large")
    # A batch may be larger than one post, up to 16 MiB.
    batch = {"posts": [{"id": f"p{i}", "text": "y" * 4000} for i in range(500)]}
    assert api.call("integrator", "POST", "/v1/posts:batch", json=batch).status_code == 200
    batch = {"posts": [{"id": f"q{i}", "text": "y" * 20_000} for i in range(900)]}
    _error(api.call("integrator", "POST", "/v1/posts:batch", json=batch), 413, "content_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes read are counted
        yield b'{"id": "p", "text": "'
        for _ in range(2 * 1024):
            yield b"z" * 1024
        yield b'"}'

    chunked = api.call(
        "integrator", "POST", "/v1/posts", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in chunked.request.headers
    _error(chunked, 413, "content_too_large")
    assert api.count(Post) == 500


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/posts/9999"),
        ("POST", "/v1/actions/9999/retry"),
        ("DELETE", "/v1/keys/9999"),
        ("GET", "/v1/nothing-here"),
    ],
)
def test_unknown_ids_are_not_found(api: Api, method: str, path: str) -> None:
    _error(api.call("admin", method, path), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "limit=ten",
        "offset=-1",
        f"offset={10**12}",
        "label=cats",
        "action=ban",
        "jurisdiction=USA-CALIFORNIA",
        "since=yesterday",
        "since=0001-01-01T00:00:00%2B05:00",
    ],
)
def test_parameters_out_of_range_are_invalid(api: Api, query: str) -> None:
    detail = _error(api.call("reviewer", "GET", f"/v1/posts?{query}"), 422, "invalid_request")
    assert detail[0]["loc"][0] == "query"


@pytest.mark.parametrize("path", ["/v1/posts/0", f"/v1/posts/{2**40}", "/v1/posts/abc"])
def test_ids_out_of_range_are_invalid(api: Api, path: str) -> None:
    assert _error(api.call("reviewer", "GET", path), 422, "invalid_request")[0]["loc"][0] == "path"


def test_every_change_is_audited_with_the_key_as_actor_and_the_log_verifies(api: Api) -> None:
    integrator, admin = f"key:{api.key_id('integrator')}", f"key:{api.key_id('admin')}"
    post_id = api.submit("p-1", PILLS)["post_id"]
    api.call("integrator", "POST", "/v1/posts:batch", json={"posts": [{"id": "p-2", "text": BENIGN}]})
    api.call("integrator", "POST", f"/v1/posts/{post_id}/reports", json={"reason": "drugs"})
    made = api.call("admin", "POST", "/v1/keys", json={"name": "temp", "role": "analyst"}).json()
    api.call("admin", "DELETE", f"/v1/keys/{made['id']}")
    action_id = _dead_action(api)
    api.call("admin", "POST", f"/v1/actions/{action_id}/retry")

    def verbs(actor: str) -> list[str]:
        response = api.call("admin", "GET", "/v1/audit", params={"actor": actor, "limit": 500})
        return [e["verb"] for e in reversed(response.json()["items"])]

    assert verbs(integrator) == ["post.ingest", "post.ingest", "report.create", "post.ingest"]
    assert verbs(admin) == ["apikey.create", "apikey.revoke", "action.retry"]
    assert "decision.create" in verbs("system")
    page = api.call("admin", "GET", "/v1/audit", params={"limit": 2, "verb": "post.ingest"}).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2

    verified = api.call("admin", "GET", "/v1/audit/verify").json()

    assert verified["ok"] is True and verified["problems"] == []
    assert verified["entries"] == verified["head_id"] == api.count(AuditEntry)
    anchored = api.call("admin", "GET", "/v1/audit/verify", params={"anchor": verified["head_hash"]}).json()
    assert anchored["ok"] is True
    with api.sessions() as session:
        assert AuditLog.verify(session) == []
    unknown = api.call("admin", "GET", "/v1/audit/verify", params={"anchor": "0" * 63 + "1"}).json()
    assert unknown["ok"] is False and unknown["problems"][0]["kind"] == "anchor"


def test_a_tampered_audit_log_does_not_verify(api: Api) -> None:
    api.submit("p-1", BENIGN)
    with api.sessions.begin() as session:
        session.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = 1"))

    verified = api.call("admin", "GET", "/v1/audit/verify").json()

    assert verified["ok"] is False
    assert {"kind": "hash", "entry_id": 1} in [
        {k: p[k] for k in ("kind", "entry_id")} for p in verified["problems"]
    ]


def test_health_needs_no_key(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}


def test_the_openapi_document_describes_every_endpoint(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    # Appeals need a post something acted on; their roles are tested in test_appeals_api.py.
    appeals = ("POST", "/v1/posts/{post_id}/appeals")
    assert operations == {(method, path) for method, path, _ in ENDPOINTS} | {("GET", "/healthz"), appeals}
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    submit = spec["paths"]["/v1/posts"]["post"]
    assert submit["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_an_unexpected_error_is_logged_and_answered_500(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        services: Services = app.state.services
        with services.sessions.begin() as session:
            _, secret = create_key(session, "i", Role.INTEGRATOR)
        post_id = client.post(
            "/v1/posts", json={"id": "p", "text": BENIGN}, headers={"X-API-Key": secret}
        ).json()
        with services.sessions.begin() as session:
            session.execute(text("DROP TABLE user_reports"))  # the database breaks under the app
        with caplog.at_level(logging.ERROR, logger="interdictor.api.errors"):
            response = client.post(
                f"/v1/posts/{post_id['post_id']}/reports", json={"reason": "x"}, headers={"X-API-Key": secret}
            )
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "unexpected error in POST" in caplog.text


def test_serve_makes_an_admin_key_once_and_ingests_seed_posts(db_url: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed.jsonl"
    seed.write_bytes(
        b"\n".join(
            [
                orjson.dumps({"id": "s-1", "text": PILLS}),
                b"not json",
                orjson.dumps({"id": "s-2", "text": BENIGN}),
            ]
        )
    )
    app = create_app(db_url)
    services: Services = app.state.services
    with TestClient(app) as client:
        assert (
            seed_posts(services.processor, seed)
            == f"seeded 2 posts from {seed} (2 new), 1 unreadable lines skipped"
        )
        assert seed_posts(services.processor, seed).endswith("(0 new), 1 unreadable lines skipped")
        key, secret = ensure_admin_key(services.sessions)
        assert key.name == LOCAL_ADMIN and secret is not None
        again, no_secret = ensure_admin_key(services.sessions)
        assert again.id == key.id and no_secret is None
        listed = client.get("/v1/posts", headers={"Authorization": f"Bearer {secret}"}).json()["items"]
        assert [p["id"] for p in listed] == ["s-2", "s-1"]


def test_a_local_console_admin_gets_a_new_password_each_run(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    first, first_password = ensure_console_admin(sessions)
    again, second_password = ensure_console_admin(sessions)
    assert first.id == again.id and first.role == Role.ADMIN and first_password != second_password
    with sessions.begin() as session:
        assert authenticate_user(session, LOCAL_ADMIN, first_password) is None
        assert authenticate_user(session, LOCAL_ADMIN, second_password) is not None
        assert "user.password" in session.scalars(select(AuditEntry.verb)).all()
