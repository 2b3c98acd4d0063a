"""Console users: passwords kept only as argon2 hashes, every change and sign-in audited."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from interdictor.store.audit import AuditLog
from interdictor.store.models import Role, User, utcnow

__all__ = ["authenticate", "create_user", "disable_user", "require_active"]


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    # Verified against when the user is unknown, so that answers as slowly as a wrong password.
    return _hasher().hash("decoy password")


def create_user(session: Session, username: str, password: str, role: Role, actor: str = "system") -> User:
    """Add a user with an argon2-hashed password and audit it."""
    if not username or not password:
        raise ValueError("a user needs a username and a password")
    user = User(username=username, password_hash=_hasher().hash(password), role=Role(role))
    session.add(user)
    session.flush()
    AuditLog.append(
        session, actor, "user.create", "user", user.id, data={"username": username, "role": user.role}
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The enabled user with this username and password, or None; the attempt is audited.

    A hash made with weaker parameters than today's is replaced on success.
    """
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user is not None else _decoy_hash(), password)
        ok = user is not None and user.disabled_at is None
    except (VerificationError, InvalidHashError):
        ok = False
    if user is not None and ok and hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.flush()
    actor = user.actor if user is not None else f"user:{username}"
    AuditLog.append(
        session,
        actor,
        "user.login" if ok else "user.login_failed",
        "user",
        user.id if user is not None else username,
    )
    return user if ok else None


def set_password(session: Session, user: User, password: str, actor: str = "system") -> User:
    """Replace a user's password (argon2-hashed) and audit that it changed."""
    if not password:
        raise ValueError("a password may not be empty")
    user.password_hash = _hasher().hash(password)
    session.flush()
    AuditLog.append(session, actor, "user.password", "user", user.id)
    return user


def disable_user(
    session: Session, user_id: int, actor: str = "system", reason: str | None = None
) -> User | None:
    """Disable a user (they can no longer sign in) and audit it; None if there is no such user."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return user
    user.disabled_at = utcnow()
    session.flush()
    AuditLog.append(session, actor, "user.disable", "user", user.id, reason=reason)
    return user


def require_active(user: User) -> None:
    """Refuse a disabled user's action (a session may outlive the account)."""
    if user.disabled_at is not None:
        raise PermissionError(f"user {user.username} is disabled")
