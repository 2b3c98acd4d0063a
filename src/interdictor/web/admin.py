"""The administrator's page: console users, dead webhook actions, and the audit log's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.responses import RedirectResponse, Response

from interdictor.actions.outbox import NotRetryable, retry_dead
from interdictor.api.services import Svc
from interdictor.api.views import list_actions, list_audit
from interdictor.review.users import create_user, disable_user
from interdictor.store.audit import AuditLog
from interdictor.store.models import ActionStatus, Role, User
from interdictor.web.auth import PageError, check_csrf, require_user
from interdictor.web.render import flash, render

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[User, Depends(require_user())]  # no roles named: admins only
FormText = Annotated[str, Form()]
LISTED = 50
BACK = "/admin"


@router.get("/admin")
def admin_page(request: Request, services: Svc, user: AdminUser) -> Response:
    """Users, dead actions and the audit log's head and last entries."""
    return _page(request, services)


@router.post("/admin/audit/verify")
def verify_audit_page(
    request: Request, services: Svc, user: AdminUser, csrf_token: FormText = ""
) -> Response:
    """The admin page with the whole audit chain checked. Checking reads every entry, so it
    is a button rather than part of every page load."""
    check_csrf(request, csrf_token)
    return _page(request, services, verify=True)


def _page(request: Request, services: Svc, verify: bool = False) -> Response:
    with services.sessions() as session:
        problems = AuditLog.verify(session) if verify else None
        users = session.scalars(select(User).order_by(User.username)).all()
        dead = list_actions(
            session, status=ActionStatus.DEAD, kind=None, post_id=None, limit=LISTED, offset=0
        )
        head_id, head_hash = AuditLog.head(session)
        entries = list_audit(
            session, actor=None, verb=None, object_type=None, object_id=None, limit=LISTED, offset=0
        )
        return render(
            request,
            "admin.html",
            users=users,
            roles=list(Role),
            dead=dead,
            problems=problems,
            head_id=head_id,
            head_hash=head_hash,
            entries=entries,
        )


@router.post("/admin/users")
def create_user_page(
    request: Request,
    services: Svc,
    user: AdminUser,
    username: FormText = "",
    role: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Add a console user."""
    check_csrf(request, csrf_token)
    if role not in set(Role):
        raise PageError(400, f"Unknown role {role!r}; one of: {', '.join(Role)}.")
    try:
        with services.sessions.begin() as session:
            create_user(session, username.strip(), password, Role(role), actor=user.actor)
    except ValueError as exc:
        flash(request, f"Not created: {exc}.")
    except IntegrityError:
        flash(request, f"Not created: a user named {username.strip()!r} exists already.")
    else:
        flash(request, f"Created {role} {username.strip()}.")
    return RedirectResponse(BACK, status_code=303)


@router.post("/admin/users/{user_id}/disable")
def disable_user_page(
    request: Request, user_id: int, services: Svc, user: AdminUser, csrf_token: FormText = ""
) -> Response:
    """Disable a console user; their session ends with it."""
    check_csrf(request, csrf_token)
    if user_id == user.id:
        flash(request, "Not disabled: you cannot disable yourself.")
        return RedirectResponse(BACK, status_code=303)
    with services.sessions.begin() as session:
        disabled = disable_user(session, user_id, actor=user.actor)
    if disabled is None:
        raise PageError(404, f"There is no user {user_id}.")
    flash(request, f"Disabled {disabled.username}.")
    return RedirectResponse(BACK, status_code=303)


@router.post("/admin/actions/{action_id}/retry")
def retry_action_page(
    request: Request, action_id: int, services: Svc, user: AdminUser, csrf_token: FormText = ""
) -> Response:
    """Put a dead action back in the outbox (as ``POST /v1/actions/{id}/retry`` does)."""
    check_csrf(request, csrf_token)
    try:
        with services.sessions.begin() as session:
            retry_dead(session, action_id, user.actor)
    except NotRetryable as exc:
        flash(request, f"Not retried: {exc}.")
    except LookupError:
        raise PageError(404, f"There is no action {action_id}.") from None
    else:
        flash(request, f"Action {action_id} is pending again.")
    return RedirectResponse(BACK, status_code=303)
