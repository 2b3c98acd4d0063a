"""Decisions and the action outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from interdictor.actions.outbox import NotRetryable, retry_dead
from interdictor.api.auth import Caller, require
from interdictor.api.errors import ApiError, error_responses, not_found
from interdictor.api.params import ActionId, Filters, Paging, filters, paging
from interdictor.api.schemas import ActionOut, DecisionOut, Page
from interdictor.api.services import Svc
from interdictor.api.views import list_actions
from interdictor.store.models import ActionKind, ActionStatus, Role
from interdictor.store.repository import list_decisions

router = APIRouter(prefix="/v1")


@router.get(
    "/decisions", tags=["decisions"], summary="List decisions", responses=error_responses(401, 403, 422)
)
def get_decisions(
    caller: Annotated[
        Caller, Depends(require(Role.INTEGRATOR, Role.REVIEWER, Role.ANALYST, Role.LE_LIAISON))
    ],
    services: Svc,
    where: Annotated[Filters, Depends(filters)],
    page: Annotated[Paging, Depends(paging)],
    shadow: Annotated[bool | None, Query(description="only shadow (true) or enforced (false) ones")] = None,
) -> Page[DecisionOut]:
    """Decisions, newest first. Integrators see only decisions on posts they submitted."""
    with services.sessions() as session:
        rows = list_decisions(
            session,
            action=where.action,
            label=where.label,
            jurisdiction=where.jurisdiction,
            shadow=shadow,
            submitted_by=None if caller.sees_all else caller.key_id,
            since=where.since,
            until=where.until,
            limit=page.limit,
            offset=page.offset,
        )
        return Page[DecisionOut].of([DecisionOut.model_validate(r) for r in rows], page.limit, page.offset)


@router.get(
    "/actions", tags=["actions"], summary="List the action outbox", responses=error_responses(401, 403, 422)
)
def get_actions(
    caller: Annotated[Caller, Depends(require(Role.ANALYST))],
    services: Svc,
    page: Annotated[Paging, Depends(paging)],
    status: Annotated[ActionStatus | None, Query(description="pending, delivered or dead")] = None,
    kind: Annotated[ActionKind | None, Query(description="the action")] = None,
    post_id: Annotated[int | None, Query(ge=1, description="actions on this post")] = None,
) -> Page[ActionOut]:
    """Outbox rows, newest first, with their delivery state: attempts, next attempt, last error."""
    with services.sessions() as session:
        rows = list_actions(
            session, status=status, kind=kind, post_id=post_id, limit=page.limit, offset=page.offset
        )
        return Page[ActionOut].of([ActionOut.model_validate(r) for r in rows], page.limit, page.offset)


@router.post(
    "/actions/{action_id}/retry",
    tags=["actions"],
    summary="Put a dead action back in the outbox",
    responses=error_responses(401, 403, 404, 409, 422),
)
def retry_action(
    action_id: ActionId, caller: Annotated[Caller, Depends(require())], services: Svc
) -> ActionOut:
    """A dead action becomes pending again, due now, with its attempts counted afresh."""
    with services.sessions.begin() as session:
        try:
            action = retry_dead(session, action_id, caller.actor)
        except NotRetryable as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except LookupError:
            raise not_found("action", action_id) from None
        return ActionOut.model_validate(action)
