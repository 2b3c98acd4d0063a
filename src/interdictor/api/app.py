"""The Interdictor HTTP API: posts in, decisions out, and what reviewers, analysts, law
enforcement liaisons and admins read and manage. Every endpoint but ``/healthz`` needs an
API key; every change is in the audit log with the key as actor (``key:<id>``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from interdictor import __version__, web
from interdictor.api import admin, posts, review
from interdictor.api.errors import ApiError, error_responses, install_error_handlers
from interdictor.api.limits import BodyLimit
from interdictor.api.schemas import HealthOut
from interdictor.api.services import Services, Svc
from interdictor.ingest.service import Processor
from interdictor.policy import load_policy
from interdictor.store.db import database_url as default_database_url
from interdictor.store.db import make_engine, session_factory, upgrade

BODY_LIMIT = 1024 * 1024  # a batch has its own, larger limit

ROLES = """
Roles: **integrator** submits posts and reports and reads its own posts' decisions;
**reviewer**, **analyst** and **le_liaison** read posts and decisions; **analyst** also reads
the action outbox; **admin** may do everything, and alone manages keys, retries dead actions
and reads the audit log.
"""


def create_app(database_url: str | None = None, policy: str = "default") -> FastAPI:
    """The API on the database at ``database_url`` (default: ``$INTERDICTOR_DATABASE_URL``),
    deciding with ``policy`` (a built-in name or a YAML file); it migrates the database on startup."""
    engine = make_engine(database_url or default_database_url())
    sessions = session_factory(engine)
    services = Services(engine, sessions, Processor(sessions, load_policy(policy)))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(upgrade, engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="Interdictor",
        version=__version__,
        description="Finds drug-sale and smuggling-recruitment posts and decides what to do about them.\n"
        + ROLES,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, default=BODY_LIMIT, per_path={posts.BATCH_PATH: posts.BATCH_BODY_LIMIT})
    app.state.services = services
    install_error_handlers(app)
    for module in (posts, review, admin):
        app.include_router(module.router)
    web.mount(app)

    @app.get("/healthz", tags=["health"], summary="Liveness", responses=error_responses(503))
    def healthz(services: Svc) -> HealthOut:
        """Ok when the database answers; no API key needed."""
        try:
            with services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise ApiError(503, "unavailable", f"the database does not answer: {type(exc).__name__}") from exc
        return HealthOut(status="ok")

    return app
