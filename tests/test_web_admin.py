"""The admin page: users made and disabled, dead actions retried, the audit log shown; admins only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from interdictor.actions.outbox import Dispatcher
from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.detect.base import Post
from interdictor.review.users import create_user
from interdictor.store.models import Action, ActionStatus, AuditEntry, Role, User
from web_helpers import client, csrf, password, served


@pytest.fixture
def admin_site(tmp_path: Path) -> Iterator[tuple[str, Services]]:
    app = create_app(f"sqlite:///{tmp_path / 'admin.db'}")
    with served(app) as base:
        services: Services = app.state.services
        with services.sessions.begin() as session:
            create_user(session, "root", password("root"), Role.ADMIN)
            create_user(session, "alice", password("alice"), Role.REVIEWER)
        yield base, services


def test_an_admin_manages_users(admin_site: tuple[str, Services]) -> None:
    base, services = admin_site
    sessions = services.sessions
    with client(base, "alice") as alice:
        assert alice.get("/admin").status_code == 403
        assert "Admin</a>" not in alice.get("/login").text
    with client(base, "root") as root:
        page = root.get("/admin")
        assert page.status_code == 200 and 'data-user="alice"' in page.text and "Admin</a>" in page.text
        token = csrf(root, "/admin")
        form = {"username": "dave", "role": "analyst", "password": "dave-pw", "csrf_token": token}
        assert root.post("/admin/users", data={**form, "csrf_token": "forged"}).status_code == 403
        assert root.post("/admin/users", data=form).status_code == 303
        with sessions() as session:
            dave = session.scalars(select(User).where(User.username == "dave")).one()
            assert dave.role == Role.ANALYST
        assert root.post(f"/admin/users/{dave.id}/disable", data={"csrf_token": token}).status_code == 303
        with sessions() as session:
            assert session.get_one(User, dave.id).disabled_at is not None
        assert 'data-user="dave"' in root.get("/admin").text
    with client(base, None) as anonymous:
        form = {"username": "dave", "password": "dave-pw", "csrf_token": csrf(anonymous, "/login")}
        assert anonymous.post("/login", data=form).status_code == 401


def test_an_admin_retries_a_dead_action_once(admin_site: tuple[str, Services]) -> None:
    base, services = admin_site
    [outcome] = services.processor.submit([Post(id="x-1", text="selling xanax bars 2mg, cashapp only, hmu")])
    assert outcome.action == "remove"
    # Nothing listens on port 9: the one attempt allowed fails and the action is dead.
    with Dispatcher(services.sessions, "http://127.0.0.1:9/hook", "s", max_attempts=1) as dispatcher:
        assert dispatcher.deliver_due().dead == 1
    with services.sessions() as session:
        action = session.scalars(select(Action)).one()
    with client(base, "root") as root:
        page = root.get("/admin")
        assert f'data-action="{action.id}"' in page.text and action.last_error in page.text
        token = csrf(root, "/admin")
        assert root.post(f"/admin/actions/{action.id}/retry", data={"csrf_token": token}).status_code == 303
        with services.sessions() as session:
            assert session.get_one(Action, action.id).status == ActionStatus.PENDING
            retries = session.scalars(select(AuditEntry).where(AuditEntry.verb == "action.retry")).all()
            assert [(e.actor, e.object_id) for e in retries] == [("user:root", str(action.id))]
        again = root.post(
            f"/admin/actions/{action.id}/retry", data={"csrf_token": token}, follow_redirects=True
        )
        assert "Not retried" in again.text and f'data-action="{action.id}"' not in again.text
        assert root.post("/admin/actions/999/retry", data={"csrf_token": token}).status_code == 404
