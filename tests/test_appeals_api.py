"""``POST /v1/posts/{id}/appeals`` and the review item a user report opens, through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.store.keys import create_key
from interdictor.store.models import Appeal, ReviewItem, Role

PILLS = "selling xanax bars and molly, telegram @plugz"  # the default policy removes it
BENIGN = "lovely weather for a picnic today"


@pytest.fixture
def client(db_url: str) -> Iterator[tuple[TestClient, Services, dict[str, str]]]:
    app = create_app(db_url)
    services: Services = app.state.services
    with TestClient(app) as client:
        headers = {}
        with services.sessions.begin() as session:
            for name, role in (
                ("mine", Role.INTEGRATOR),
                ("other", Role.INTEGRATOR),
                ("reviewer", Role.REVIEWER),
            ):
                _, secret = create_key(session, name, role)
                headers[name] = f"Bearer {secret}"
        yield client, services, headers


def test_an_appeal_is_filed_once_against_the_decision_in_force(
    client: tuple[TestClient, Services, dict[str, str]],
) -> None:
    http, services, keys = client
    mine = {"Authorization": keys["mine"]}
    removed = http.post("/v1/posts", json={"id": "p1", "text": PILLS}, headers=mine).json()
    benign = http.post("/v1/posts", json={"id": "p2", "text": BENIGN}, headers=mine).json()
    assert removed["action"] == "remove"
    body = {"appellant": "u-1", "reason": "I sell vitamins"}
    first = http.post(f"/v1/posts/{removed['post_id']}/appeals", json=body, headers=mine)
    assert first.status_code == 201, first.text
    appeal = first.json()
    assert (appeal["decision_id"], appeal["status"]) == (removed["decision_id"], "open")
    again = http.post(f"/v1/posts/{removed['post_id']}/appeals", json=body, headers=mine)
    assert again.json()["id"] == appeal["id"]
    conflict = http.post(f"/v1/posts/{benign['post_id']}/appeals", json=body, headers=mine)
    assert conflict.status_code == 409 and "no decision in force" in conflict.json()["detail"]
    assert http.post("/v1/posts/999999/appeals", json=body, headers=mine).status_code == 404
    other = {"Authorization": keys["other"]}
    assert http.post(f"/v1/posts/{removed['post_id']}/appeals", json=body, headers=other).status_code == 404
    path = f"/v1/posts/{removed['post_id']}/appeals"
    assert http.post(path, json=body, headers={"Authorization": keys["reviewer"]}).status_code == 403
    assert http.post(path, json=body).status_code == 401
    with services.sessions() as session:
        assert len(session.scalars(select(Appeal)).all()) == 1
        item = session.scalars(select(ReviewItem).where(ReviewItem.kind == "appeal")).one()
        assert item.source_key == f"appeal:{appeal['id']}"


def test_a_user_report_opens_a_review_item(client: tuple[TestClient, Services, dict[str, str]]) -> None:
    http, services, keys = client
    mine = {"Authorization": keys["mine"]}
    post = http.post("/v1/posts", json={"id": "p3", "text": BENIGN}, headers=mine).json()
    for reporter in ("u-2", "u-3"):
        report = {"reason": "selling pills in the comments", "reporter": reporter}
        assert http.post(f"/v1/posts/{post['post_id']}/reports", json=report, headers=mine).status_code == 201
    with services.sessions() as session:
        items = session.scalars(select(ReviewItem).where(ReviewItem.post_id == post["post_id"])).all()
        assert [i.kind for i in items] == ["report"]
