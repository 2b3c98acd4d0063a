"""API keys: random secrets handed out once, kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from interdictor.store.audit import AuditLog
from interdictor.store.models import ApiKey, Role, utcnow

__all__ = ["Role", "authenticate", "create_key", "hash_secret", "revoke_key"]

PREFIX = "idk_"


def hash_secret(secret: str) -> str:
    """The SHA-256 hex stored for a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str, role: Role, actor: str = "system") -> tuple[ApiKey, str]:
    """Make a key and audit it; returns the row and the secret, which is not stored anywhere."""
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=Role(role), key_hash=hash_secret(secret))
    session.add(key)
    session.flush()
    AuditLog.append(session, actor, "apikey.create", "api_key", key.id, data={"name": name, "role": key.role})
    return key, secret


def authenticate(session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key with this secret, or None.

    Looking up by hash leaks nothing useful through timing: an attacker cannot steer the
    hash of a guess toward a stored one.
    """
    if not secret.startswith(PREFIX):
        return None
    query = select(ApiKey).where(ApiKey.key_hash == hash_secret(secret), ApiKey.revoked_at.is_(None))
    return session.scalars(query).one_or_none()


def revoke_key(
    session: Session, key_id: int, actor: str = "system", reason: str | None = None
) -> ApiKey | None:
    """Revoke a key and audit it; None if there is no such key. Revoking twice keeps the first time."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return key
    key.revoked_at = utcnow()
    session.flush()
    AuditLog.append(session, actor, "apikey.revoke", "api_key", key.id, reason=reason)
    return key
