"""Who is signed in to the console, what their role lets them open, and CSRF tokens.

The session is Starlette's signed cookie (:class:`SessionMiddleware`). Its secret is
``$INTERDICTOR_SESSION_SECRET``; without it a random secret is made once and kept in a file
(mode 0600) next to a SQLite database (``<file>.session-secret``), or for other databases in
``$XDG_STATE_HOME/interdictor/session-secret`` (default ``~/.local/state``), so sessions
survive a restart and every worker process on the machine shares it; set
``$INTERDICTOR_SESSION_SECRET`` when several machines serve the console. The cookie holds
only the user id and the CSRF token; the user is read from the database on every request,
so a disabled account loses its session at once.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import URL

from interdictor.api.services import get_services
from interdictor.store.models import Role, User

SECRET_ENV = "INTERDICTOR_SESSION_SECRET"
SESSION_MAX_AGE_S = 8 * 3600
_USER_KEY = "uid"
_CSRF_KEY = "csrf"


class LoginRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A page answered with an HTML error page: ``status`` and a message for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def secret_path(url: URL) -> Path:
    """Where the generated session secret is kept for the database at ``url``."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).name + ".session-secret")
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "interdictor" / "session-secret"


def session_secret(url: URL) -> str:
    """The session secret: the environment's, else the one kept for this database (made once)."""
    if secret := os.environ.get(SECRET_ENV):
        return secret
    path = secret_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting together, one writes and both read the same secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(secret)
    return secret


def current_user(request: Request) -> User | None:
    """The enabled user signed in on this request's session, or None."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user_id = request.session.get(_USER_KEY)
    user: User | None = None
    if isinstance(user_id, int):
        with get_services(request).sessions() as session:
            user = session.get(User, user_id)
        if user is not None and user.disabled_at is not None:
            user = None
    request.state.user = user
    return user


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for ``user``: nothing of the anonymous session (its CSRF token
    included) carries over, so a planted session cannot be ridden after login."""
    request.session.clear()
    request.session[_USER_KEY] = user.id
    request.session[_CSRF_KEY] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End the session."""
    request.session.clear()
    request.state.user = None


def require_user(*roles: Role) -> Callable[[Request], User]:
    """A dependency giving the signed-in user; redirects to ``/login?next=...`` when nobody is
    signed in and answers a 403 page unless the role is one of ``roles`` or admin."""
    allowed = frozenset((*roles, Role.ADMIN))

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path)
        if user.role not in allowed:
            raise PageError(403, f"The {user.role} role may not open this page.")
        return user

    return dependency


def login_url(next_path: str) -> str:
    """The login page, coming back to ``next_path`` afterwards."""
    return f"/login?next={quote(next_path, safe='/')}"


def home(user: User | None) -> str:
    """The page a user starts from: analysts their dashboard, everyone else the queue."""
    return "/dashboard" if user is not None and user.role == Role.ANALYST else "/queue"


def safe_next(next_path: str | None, default: str) -> str:
    """``next_path`` if it is a path on this site, else ``default`` (no open redirects)."""
    if (
        not next_path
        or not next_path.startswith("/")
        or next_path.startswith("//")
        or "\\" in next_path
        or any(ord(c) < 32 for c in next_path)
    ):
        return default
    return next_path


def csrf_token(request: Request) -> str:
    """The session's CSRF token for forms, made on first use."""
    token = request.session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return token


def check_csrf(request: Request, form_token: str | None) -> None:
    """Refuse (403 page) a POST whose form token is not the session's."""
    expected = request.session.get(_CSRF_KEY)
    if not isinstance(expected, str) or not form_token or not secrets.compare_digest(expected, form_token):
        raise PageError(403, "The form has expired or did not come from this site; reload and try again.")
