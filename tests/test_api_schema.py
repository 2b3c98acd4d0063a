"""Schemathesis against the API's own OpenAPI document: generated requests, valid and not,
to every operation with an admin key, on a SQLite database. No answer may be a 5xx, and
every answer must be one the document describes (status, content type, body schema)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy.orm import Session, sessionmaker

from interdictor.api.app import create_app
from interdictor.api.services import Services
from interdictor.store.db import upgrade
from interdictor.store.keys import authenticate, create_key
from interdictor.store.models import Role

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


class AdminKey:
    """An admin key that stays valid: the generated requests include revoking keys, this one too."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.secret = ""

    def headers(self) -> dict[str, str]:
        with self.sessions.begin() as session:
            if not self.secret or authenticate(session, self.secret) is None:
                self.secret = create_key(session, "schemathesis", Role.ADMIN)[1]
        return {"Authorization": f"Bearer {self.secret}"}


# The document does not depend on the database; this app is never started.
schema = schemathesis.openapi.from_dict(create_app("sqlite://").openapi())


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'api.db'}"
    upgrade(url)
    return create_app(url)


@pytest.fixture(scope="module")
def admin_key(app: FastAPI) -> AdminKey:
    services: Services = app.state.services
    return AdminKey(services.sessions)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case: schemathesis.Case, app: FastAPI, admin_key: AdminKey) -> None:
    case.call_and_validate(app=app, headers=admin_key.headers(), checks=CHECKS)
