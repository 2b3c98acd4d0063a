"""The console's Jinja2 templates and the one way pages render them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from interdictor.store.models import utcnow
from interdictor.web.auth import csrf_token, current_user, home

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=HERE / "templates")


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago ``moment`` was, in the largest whole unit (``3d``, ``5h``, ``12m``)."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


templates.env.filters["age"] = age


def flash(request: Request, message: str) -> None:
    """Keep a message for the next page the session renders."""
    request.session["flash"] = message


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render template ``name`` with ``ctx`` plus the signed-in ``user``, their ``home``
    page, the ``csrf_token`` and any pending ``flash`` message."""
    user = current_user(request)
    context = {
        "user": user,
        "home": home(user),
        "csrf_token": csrf_token(request),
        "flash": request.session.pop("flash", None),
        **ctx,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)
