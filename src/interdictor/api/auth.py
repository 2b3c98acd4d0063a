"""API keys on requests: who is calling, and whether their role may do what they ask.

A key comes as ``Authorization: Bearer <secret>`` or ``X-API-Key: <secret>`` and is looked
up by its hash (:func:`interdictor.store.keys.authenticate`). Admin keys may do everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from interdictor.api.errors import ApiError
from interdictor.api.services import Svc
from interdictor.store.keys import authenticate
from interdictor.store.models import Role

bearer = HTTPBearer(auto_error=False, description="an API key as `Authorization: Bearer <secret>`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")


@dataclass(frozen=True, slots=True)
class Caller:
    """The key a request came with."""

    key_id: int
    role: Role

    @property
    def actor(self) -> str:
        """The caller as the audit log names it."""
        return f"key:{self.key_id}"

    @property
    def sees_all(self) -> bool:
        """Whether the caller may read posts it did not submit: integrators may not."""
        return self.role != Role.INTEGRATOR


def require(*roles: Role) -> Callable[..., Caller]:
    """A dependency that answers 401 without a valid key and 403 unless its role is one of
    ``roles`` or admin; it gives the endpoint the :class:`Caller`."""
    allowed = frozenset((*roles, Role.ADMIN))

    def caller(
        services: Svc,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        header_key: Annotated[str | None, Depends(api_key_header)],
    ) -> Caller:
        secret = credentials.credentials if credentials else header_key
        challenge = {"WWW-Authenticate": "Bearer"}
        if not secret:
            raise ApiError(
                401, "unauthorized", "send an API key: Authorization: Bearer <key>, or X-API-Key", challenge
            )
        with services.sessions() as session:
            key = authenticate(session, secret)
        if key is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key", challenge)
        if key.role not in allowed:
            roles_named = ", ".join(sorted(allowed))
            raise ApiError(403, "forbidden", f"the {key.role} role may not do this; allowed: {roles_named}")
        return Caller(key.id, key.role)

    return caller
