"""Delivering the outbox: signed webhooks from the ``actions`` table to the platform.

The decision and its outbox row are written in one transaction (see
:mod:`interdictor.ingest.service`), so an action exists exactly when its decision does;
a platform that is down loses nothing, the rows wait in the database.

Delivery is at least once. A dispatcher claims one due row at a time with a single
``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`` that moves the
row's ``next_attempt_at`` forward by a lease; the claim commits before the HTTP request,
so no lock is held while the platform answers. Other dispatchers skip the row while it
is locked and do not see it as due while the lease runs; SQLite has a single writer and
the same statement needs no row locks there. If the dispatcher dies mid-delivery the
lease runs out and the row is delivered again, with the same ``Idempotency-Key`` header
so the platform can drop the repeat.

What an answer means:

- 2xx: delivered (``action.deliver`` in the audit log).
- 410 Gone: the platform says the action can never apply (the post is gone), so the row
  is dead at once (``action.dead``); retrying would only repeat the answer.
- anything else, network errors and timeouts included: retried with exponential backoff
  and jitter, and dead after ``max_attempts`` failures. Other 4xx answers are retried too,
  because they usually mean a misconfigured receiver (wrong secret, route not deployed)
  that someone fixes, not a bad action; the backoff cap keeps such retries rare.
  Redirects are not followed: a signed body goes only to the configured URL.

Dead rows stay in the table (``status = 'dead'``, ``last_error`` says why) for an
operator to inspect and requeue.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import httpx
import orjson
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from interdictor.actions.signing import sign
from interdictor.store.audit import AuditLog
from interdictor.store.models import Action, ActionStatus, utcnow

log = logging.getLogger(__name__)

ACTOR = "system"
GONE = 410
ERROR_EXCERPT = 200  # characters of a failed answer's body kept in last_error


@dataclass(slots=True)
class DeliveryStats:
    """What one or more delivery passes did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        """Rows a request was made for."""
        return self.delivered + self.retrying + self.dead

    def __iadd__(self, other: DeliveryStats) -> DeliveryStats:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.dead += other.dead
        return self

    def __str__(self) -> str:
        return f"delivered {self.delivered}, retrying {self.retrying}, dead {self.dead}"


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row claimed for one delivery; ``lease`` is the next_attempt_at the claim wrote."""

    id: int
    attempts: int
    lease: datetime
    idempotency_key: str
    body: bytes


@dataclass(frozen=True, slots=True)
class _Failure:
    error: str
    final: bool  # no point retrying


class Dispatcher:
    """Delivers due outbox rows to one webhook URL, signed with ``secret``.

    Backoff after the n-th failure is ``min(max_delay_s, base_delay_s * 2**(n-1))``, of
    which a random half to all is waited so that retries from many rows spread out.
    ``seed`` fixes that randomness. Use as a context manager, or call :meth:`close`.
    Raises ValueError for a URL that is not http(s).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        url: str,
        secret: str,
        max_attempts: int = 8,
        base_delay_s: float = 2.0,
        max_delay_s: float = 600,
        timeout_s: float = 10,
        seed: int | None = None,
    ) -> None:
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError(f"webhook URL must be http:// or https://, not {url!r}")
        self.sessions = sessions
        self.url = url
        self.secret = secret
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        # The timeout bounds each phase (connect, send, first and every later read), so a
        # request can take a few of them; the lease must outlast it or another dispatcher
        # sends the row again while this one still waits.
        self.lease = timedelta(seconds=4 * timeout_s)
        self._random = random.Random(seed)
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def deliver_due(self, limit: int = 100, now: datetime | None = None) -> DeliveryStats:
        """Deliver up to ``limit`` rows due at ``now`` (default: the clock), oldest due first.

        Leases and retries are scheduled from ``now``, so each row is tried at most once
        per call; ``delivered_at`` is the clock's time.
        """
        now = now or utcnow()
        stats = DeliveryStats()
        for _ in range(limit):
            claim = self._claim(now)
            if claim is None:
                break
            failure = self._post(claim)
            if failure is None:
                self._delivered(claim)
                stats.delivered += 1
            elif self._failed(claim, failure, now):
                stats.dead += 1
            else:
                stats.retrying += 1
        return stats

    def run(self, stop: threading.Event, poll_s: float = 1.0, limit: int = 100) -> DeliveryStats:
        """Deliver until ``stop`` is set, polling every ``poll_s`` when nothing is due.

        A database error is logged and retried on the next poll, so the worker outlives a
        database restart.
        """
        total = DeliveryStats()
        while not stop.is_set():
            try:
                stats = self.deliver_due(limit)
            except SQLAlchemyError:
                log.exception("delivery pass failed; retrying in %ss", poll_s)
                stop.wait(poll_s)
                continue
            total += stats
            if stats.attempted < limit:
                stop.wait(poll_s)
        return total

    def _claim(self, now: datetime) -> _Claim | None:
        due = (
            select(Action.id)
            .where(Action.status == ActionStatus.PENDING, Action.next_attempt_at <= now)
            .order_by(Action.next_attempt_at, Action.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        lease = now + self.lease
        claim = (
            update(Action)
            .where(Action.id == due)
            .values(next_attempt_at=lease)
            .returning(Action)
            .execution_options(synchronize_session=False)
        )
        with self.sessions.begin() as session:
            action = session.scalars(claim).one_or_none()
            if action is None:
                return None
            body = {
                **action.payload,
                "idempotency_key": action.idempotency_key,
                "action_id": action.id,
                "kind": str(action.kind),
                "created_at": action.created_at.isoformat(),
            }
            return _Claim(action.id, action.attempts, lease, action.idempotency_key, orjson.dumps(body))

    def _post(self, claim: _Claim) -> _Failure | None:
        """Send the claimed row; None when the platform took it."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": claim.idempotency_key,
            # Signed with the wall clock, whatever ``now`` the caller passed: the receiver
            # checks the timestamp against its own clock.
            **sign(claim.body, self.secret, int(time.time())),
        }
        try:
            response = self._client.post(self.url, content=claim.body, headers=headers)
        except httpx.HTTPError as exc:
            return _Failure(f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT], final=False)
        if response.is_success:
            return None
        excerpt = " ".join(response.text[:ERROR_EXCERPT].split())
        return _Failure(f"HTTP {response.status_code}: {excerpt}", final=response.status_code == GONE)

    def _delivered(self, claim: _Claim) -> None:
        # Whoever holds the lease, a row the platform took is delivered; a second
        # dispatcher that sent it after a lost lease finds it delivered and records nothing.
        mark = (
            update(Action)
            .where(Action.id == claim.id, Action.status == ActionStatus.PENDING)
            .values(status=ActionStatus.DELIVERED, delivered_at=utcnow(), attempts=claim.attempts + 1)
            .returning(Action.id)
            .execution_options(synchronize_session=False)
        )
        with self.sessions.begin() as session:
            if session.scalars(mark).one_or_none() is not None:
                AuditLog.append(
                    session,
                    ACTOR,
                    "action.deliver",
                    "action",
                    claim.id,
                    data={"attempts": claim.attempts + 1},
                )

    def _failed(self, claim: _Claim, failure: _Failure, now: datetime) -> bool:
        """Record a failed attempt; True when the row is now dead."""
        attempts = claim.attempts + 1
        dead = failure.final or attempts >= self.max_attempts
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (attempts - 1))
        values: dict[str, object] = {"attempts": attempts, "last_error": failure.error}
        if dead:
            values["status"] = ActionStatus.DEAD
        else:
            values["next_attempt_at"] = now + timedelta(seconds=delay * self._random.uniform(0.5, 1.0))
        # Only while this dispatcher's lease stands: otherwise another one owns the row now.
        mark = (
            update(Action)
            .where(
                Action.id == claim.id,
                Action.status == ActionStatus.PENDING,
                Action.next_attempt_at == claim.lease,
            )
            .values(values)
            .returning(Action.id)
            .execution_options(synchronize_session=False)
        )
        log.warning("action %s attempt %s failed: %s", claim.id, attempts, failure.error)
        with self.sessions.begin() as session:
            if session.scalars(mark).one_or_none() is None:
                return False
            if dead:
                AuditLog.append(
                    session,
                    ACTOR,
                    "action.dead",
                    "action",
                    claim.id,
                    reason=failure.error,
                    data={"attempts": attempts},
                )
        return dead


class NotRetryable(ValueError):
    """The action exists but is not dead, so there is nothing to retry."""


def retry_dead(session: Session, action_id: int, actor: str) -> Action:
    """Put dead action ``action_id`` back in the outbox: pending, due now, attempts counted
    afresh, audited as ``action.retry`` by ``actor``.

    Raises LookupError when there is no such action and :class:`NotRetryable` when it is not dead.
    """
    # One conditional UPDATE: two admins retrying at once cannot both succeed.
    retried = session.execute(
        update(Action)
        .where(Action.id == action_id, Action.status == ActionStatus.DEAD)
        .values(status=ActionStatus.PENDING, attempts=0, next_attempt_at=utcnow())
        .returning(Action.id)
    ).scalar_one_or_none()
    action = session.get(Action, action_id, populate_existing=True)
    if action is None:
        raise LookupError(f"there is no action {action_id}")
    if retried is None:
        raise NotRetryable(f"action {action_id} is {action.status}; only dead actions are retried")
    AuditLog.append(
        session, actor, "action.retry", "action", action.id, data={"last_error": action.last_error}
    )
    return action
