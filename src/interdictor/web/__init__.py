"""The review console: server-rendered pages on the API's own FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response

from interdictor.api.services import Services
from interdictor.web import admin, dashboard, pages
from interdictor.web.auth import SESSION_MAX_AGE_S, LoginRequired, PageError, login_url, session_secret
from interdictor.web.render import STATIC_DIR, render


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(request, "error.html", status_code=exc.status, status=exc.status, message=exc.message)


def mount(app: FastAPI) -> None:
    """Add the console's pages, static files, session cookie and error pages to ``app``
    (made by :func:`interdictor.api.app.create_app`, whose services it uses)."""
    services: Services = app.state.services
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(services.engine.url),
        session_cookie="interdictor_session",
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageError, _page_error)
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    app.include_router(admin.router)
