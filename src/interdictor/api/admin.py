"""API keys and the audit log: admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from interdictor.api.auth import Caller, require
from interdictor.api.errors import error_responses, not_found
from interdictor.api.params import KeyId, Paging, paging
from interdictor.api.schemas import (
    AuditEntryOut,
    Hash,
    KeyCreated,
    KeyIn,
    KeyOut,
    Page,
    ProblemOut,
    Text,
    VerifyOut,
)
from interdictor.api.services import Svc
from interdictor.api.views import list_audit
from interdictor.store.audit import AuditLog
from interdictor.store.keys import create_key, revoke_key
from interdictor.store.models import ApiKey, AuditEntry

router = APIRouter(prefix="/v1")

Admin = Annotated[Caller, Depends(require())]
Match = Annotated[Text | None, Query(max_length=200)]


@router.post(
    "/keys",
    status_code=201,
    tags=["keys"],
    summary="Create an API key",
    responses=error_responses(400, 401, 403, 413, 422),
)
def post_key(key: KeyIn, caller: Admin, services: Svc) -> KeyCreated:
    """The answer holds the key's secret, shown this once: only its hash is stored."""
    with services.sessions.begin() as session:
        row, secret = create_key(session, key.name, key.role, actor=caller.actor)
        return KeyCreated(**KeyOut.model_validate(row).model_dump(), secret=secret)


@router.get("/keys", tags=["keys"], summary="List API keys", responses=error_responses(401, 403, 422))
def get_keys(caller: Admin, services: Svc, page: Annotated[Paging, Depends(paging)]) -> Page[KeyOut]:
    """Keys, newest first, revoked ones included; never their secrets."""
    with services.sessions() as session:
        query = select(ApiKey).order_by(ApiKey.id.desc()).limit(page.limit).offset(page.offset)
        keys = [KeyOut.model_validate(k) for k in session.scalars(query)]
    return Page[KeyOut].of(keys, page.limit, page.offset)


@router.delete(
    "/keys/{key_id}",
    tags=["keys"],
    summary="Revoke an API key",
    responses=error_responses(401, 403, 404, 422),
)
def delete_key(
    key_id: KeyId,
    caller: Admin,
    services: Svc,
    reason: Annotated[Text | None, Query(max_length=500, description="why, for the audit log")] = None,
) -> KeyOut:
    """The key stops working at once. Revoking a revoked key changes nothing."""
    with services.sessions.begin() as session:
        key = revoke_key(session, key_id, actor=caller.actor, reason=reason)
        if key is None:
            raise not_found("API key", key_id)
        return KeyOut.model_validate(key)


@router.get("/audit", tags=["audit"], summary="Read the audit log", responses=error_responses(401, 403, 422))
def get_audit(
    caller: Admin,
    services: Svc,
    page: Annotated[Paging, Depends(paging)],
    actor: Match = None,
    verb: Match = None,
    object_type: Match = None,
    object_id: Match = None,
) -> Page[AuditEntryOut]:
    """Entries, newest first, optionally only those with this actor, verb or object."""
    with services.sessions() as session:
        rows = list_audit(
            session,
            actor=actor,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            limit=page.limit,
            offset=page.offset,
        )
        return Page[AuditEntryOut].of(
            [AuditEntryOut.model_validate(r) for r in rows], page.limit, page.offset
        )


@router.get(
    "/audit/verify", tags=["audit"], summary="Verify the audit log", responses=error_responses(401, 403, 422)
)
def verify_audit(
    caller: Admin,
    services: Svc,
    anchor: Annotated[
        Hash | None, Query(description="a head hash recorded earlier; the chain must still contain it")
    ] = None,
) -> VerifyOut:
    """Check every entry's hash, the links between them, gaps and the head. `ok` is false
    (with status 200) when anything is wrong; `problems` says what."""
    with services.sessions() as session:
        problems = AuditLog.verify(session, anchor)
        entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        head_id, head_hash = AuditLog.head(session)
    return VerifyOut(
        ok=not problems,
        entries=entries,
        head_id=head_id,
        head_hash=head_hash,
        problems=[ProblemOut.model_validate(p) for p in problems],
    )
