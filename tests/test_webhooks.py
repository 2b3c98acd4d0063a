"""Webhook delivery from the outbox to a real local HTTP receiver, on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from interdictor.actions import DeliveryStats, Dispatcher, SignatureError, sign, verify
from interdictor.cli import app
from interdictor.detect.base import Post as ScannedPost
from interdictor.ingest.service import Processor
from interdictor.policy import Policy
from interdictor.store.audit import AuditLog
from interdictor.store.db import session_factory
from interdictor.store.models import Action, ActionKind, ActionStatus, AuditEntry, utcnow
from interdictor.store.repository import add_decision, enqueue_action, ingest_post

SECRET = "whsec_test_9f2c"
SELLING = "🔌 blues M30 $20 each, DM to order, tele @plugman"
POLICY = Policy.from_yaml(
    """
name: remove_drug_sales
version: "1"
mode: enforce
jurisdictions:
  default:
    rules:
      - name: drug_sale
        label: drug_sale
        min_score: 0.5
        action: remove
        reason: drug sale
"""
)
# Generous bound so a broken test fails instead of hanging; never reached when things work.
DEADLOCK_GUARD_S = 60


@dataclass(frozen=True, slots=True)
class Received:
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = orjson.loads(self.body)
        return payload


class Receiver:
    """A platform's webhook endpoint: checks every signature with ``verify`` and records requests.

    ``status`` is what it answers to signed requests; ``hold(n)`` makes the next n requests
    wait for each other, so n senders are provably in flight at once.
    """

    def __init__(self, port: int = 0) -> None:
        self.status = 200
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self._lock = threading.Condition()
        self._gate: threading.Barrier | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                try:
                    verify(body, headers, SECRET)
                except SignatureError as exc:
                    with receiver._lock:
                        receiver.rejected.append(str(exc))
                    self._answer(401, b"bad signature")
                    return
                with receiver._lock:
                    receiver.received.append(Received(body, headers))
                    receiver._lock.notify_all()
                    gate = receiver._gate
                if gate is not None:
                    gate.wait(DEADLOCK_GUARD_S)
                self._answer(receiver.status, b"ok" if receiver.status < 300 else b"upstream exploded")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/interdictor"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def hold(self, parties: int) -> threading.Barrier:
        self._gate = threading.Barrier(parties, action=self._release)
        return self._gate

    def _release(self) -> None:
        self._gate = None

    def wait_for(self, count: int) -> None:
        """Return once ``count`` signed requests have arrived."""
        with self._lock:
            arrived = self._lock.wait_for(lambda: len(self.received) >= count, DEADLOCK_GUARD_S)
        assert arrived, f"{count} requests did not arrive"

    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return session_factory(db_engine)


def _action(sessions: sessionmaker[Session], action_id: int) -> Action:
    with sessions() as session:
        action = session.get(Action, action_id)
        assert action is not None
        return action


def _submit_selling_post(sessions: sessionmaker[Session]) -> int:
    (outcome,) = Processor(sessions, POLICY).submit([ScannedPost("tw-1001", SELLING, author="acct-77")])
    assert (outcome.action, outcome.rule) == ("remove", "drug_sale")
    (action_id,) = outcome.action_ids
    return action_id


def _audit(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert AuditLog.verify(session) == []
        return [(e.verb, e.object_id) for e in entries]


def test_a_removal_reaches_the_platform_signed(sessions: sessionmaker[Session], receiver: Receiver) -> None:
    action_id = _submit_selling_post(sessions)
    queued = _action(sessions, action_id)
    assert (queued.status, queued.attempts, queued.kind) == (ActionStatus.PENDING, 0, ActionKind.REMOVE)

    with Dispatcher(sessions, receiver.url, SECRET) as dispatcher:
        assert dispatcher.deliver_due() == DeliveryStats(delivered=1)
        assert dispatcher.deliver_due() == DeliveryStats()

    assert receiver.rejected == []
    (request,) = receiver.received
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == queued.idempotency_key
    body = request.json
    assert body["post_id"] == "tw-1001"
    assert body["account_id"] == "acct-77"
    assert body["action"] == body["kind"] == "remove"
    assert body["action_id"] == action_id
    assert body["idempotency_key"] == queued.idempotency_key
    assert body["policy"] == {"name": "remove_drug_sales", "version": "1", "rule": "drug_sale"}
    assert body["labels"] == ["drug_sale"]
    assert datetime.fromisoformat(body["created_at"]) == queued.created_at

    delivered = _action(sessions, action_id)
    assert delivered.status == ActionStatus.DELIVERED
    assert delivered.attempts == 1
    assert delivered.delivered_at is not None and delivered.delivered_at >= queued.created_at
    audit = _audit(sessions)
    assert ("action.enqueue", str(action_id)) in audit
    assert audit[-1] == ("action.deliver", str(action_id))


def test_a_platform_that_is_down_loses_nothing(sessions: sessionmaker[Session], receiver: Receiver) -> None:
    port = receiver.port
    receiver.close()
    action_id = _submit_selling_post(sessions)
    key = _action(sessions, action_id).idempotency_key

    with Dispatcher(sessions, receiver.url, SECRET, base_delay_s=2.0, seed=7) as dispatcher:
        now = utcnow()
        for attempt in (1, 2):
            assert dispatcher.deliver_due(now=now) == DeliveryStats(retrying=1)
            row = _action(sessions, action_id)
            assert (row.status, row.attempts) == (ActionStatus.PENDING, attempt)
            assert row.last_error is not None and row.last_error.startswith("ConnectError")
            # Backoff 2s, 4s, ... of which a random half to all is waited.
            delay = (row.next_attempt_at - now).total_seconds()
            assert 2.0 * 2 ** (attempt - 1) * 0.5 <= delay <= 2.0 * 2 ** (attempt - 1)
            assert dispatcher.deliver_due(now=now) == DeliveryStats(), "not due again before its time"
            now = row.next_attempt_at

        back = Receiver(port)
        try:
            back.status = 500
            assert dispatcher.deliver_due(now=now) == DeliveryStats(retrying=1)
            row = _action(sessions, action_id)
            assert row.last_error == "HTTP 500: upstream exploded"
            back.status = 200
            assert dispatcher.deliver_due(now=row.next_attempt_at) == DeliveryStats(delivered=1)
        finally:
            back.close()

    assert back.rejected == []
    assert back.keys() == [key, key]
    assert back.received[0].body == back.received[1].body
    row = _action(sessions, action_id)
    assert (row.status, row.attempts) == (ActionStatus.DELIVERED, 4)
    assert _audit(sessions)[-1] == ("action.deliver", str(action_id))


def test_an_action_refused_max_attempts_times_is_dead(
    sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    action_id = _submit_selling_post(sessions)
    receiver.status = 500
    with Dispatcher(sessions, receiver.url, SECRET, max_attempts=3) as dispatcher:
        now = utcnow()
        for expected in (DeliveryStats(retrying=1), DeliveryStats(retrying=1), DeliveryStats(dead=1)):
            assert dispatcher.deliver_due(now=now) == expected
            now += timedelta(days=1)
        assert dispatcher.deliver_due(now=now + timedelta(days=365)) == DeliveryStats()

    assert len(receiver.received) == 3
    with sessions() as session:
        dead = session.scalars(select(Action).where(Action.status == ActionStatus.DEAD)).all()
    assert [(a.id, a.attempts, a.last_error) for a in dead] == [(action_id, 3, "HTTP 500: upstream exploded")]
    assert _audit(sessions)[-1] == ("action.dead", str(action_id))


def test_gone_is_dead_at_once(sessions: sessionmaker[Session], receiver: Receiver) -> None:
    action_id = _submit_selling_post(sessions)
    receiver.status = 410
    with Dispatcher(sessions, receiver.url, SECRET) as dispatcher:
        assert dispatcher.deliver_due() == DeliveryStats(dead=1)
    row = _action(sessions, action_id)
    assert (row.status, row.attempts) == (ActionStatus.DEAD, 1)
    assert row.last_error is not None and row.last_error.startswith("HTTP 410")


def _enqueue(sessions: sessionmaker[Session], count: int) -> list[str]:
    """``count`` removals in the outbox, written through the store's repository."""
    keys = []
    with sessions.begin() as session:
        for i in range(count):
            post = ingest_post(session, ScannedPost(f"post-{i}", f"text {i}")).row
            decision = add_decision(
                session, post.id, ActionKind.REMOVE, policy_name="p", policy_version="1", reason="test"
            )
            keys.append(
                enqueue_action(session, decision, {"post_id": post.platform_post_id}).row.idempotency_key
            )
    return keys


def test_two_dispatchers_deliver_each_action_once(
    sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    keys = _enqueue(sessions, 40)
    # The first two requests wait for each other: both dispatchers are mid-delivery at once.
    receiver.hold(2)
    start = threading.Barrier(2)
    results: list[DeliveryStats] = []

    def work() -> None:
        total = DeliveryStats()
        with Dispatcher(sessions, receiver.url, SECRET) as dispatcher:
            start.wait(DEADLOCK_GUARD_S)
            while (stats := dispatcher.deliver_due(limit=5)).attempted:
                total += stats
        results.append(total)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert receiver.rejected == []
    assert Counter(receiver.keys()) == Counter(keys)
    assert sorted(r.delivered for r in results)[0] >= 1
    assert sum(r.delivered for r in results) == 40
    assert all(r.retrying == r.dead == 0 for r in results)
    with sessions() as session:
        statuses = session.scalars(select(Action.status)).all()
    assert Counter(statuses) == {ActionStatus.DELIVERED: 40}
    assert Counter(verb for verb, _ in _audit(sessions))["action.deliver"] == 40


def test_a_stuck_delivery_is_sent_again_once_its_lease_runs_out(
    sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    # A dispatcher that hangs or dies mid-request looks the same to the database: a claimed
    # row whose lease runs out. The gate holds the first request until the second arrives.
    (key,) = _enqueue(sessions, 1)
    receiver.hold(2)
    with (
        Dispatcher(sessions, receiver.url, SECRET) as stuck,
        Dispatcher(sessions, receiver.url, SECRET) as other,
    ):
        first: list[DeliveryStats] = []
        worker = threading.Thread(target=lambda: first.append(stuck.deliver_due()))
        worker.start()
        receiver.wait_for(1)
        assert other.deliver_due() == DeliveryStats(), "not while the lease runs"
        later = utcnow() + other.lease + timedelta(seconds=1)
        assert other.deliver_due(now=later) == DeliveryStats(delivered=1)
        worker.join()
    assert first == [DeliveryStats(delivered=1)]
    assert receiver.keys() == [key, key]  # at least once; the key lets the platform drop one
    with sessions() as session:
        (row,) = session.scalars(select(Action)).all()
    assert (row.status, row.attempts) == (ActionStatus.DELIVERED, 1)
    assert [verb for verb, _ in _audit(sessions)].count("action.deliver") == 1


def test_run_delivers_until_stopped(sessions: sessionmaker[Session], receiver: Receiver) -> None:
    stop = threading.Event()
    results: list[DeliveryStats] = []
    gate = receiver.hold(2)  # the test is the second party: it knows the request arrived
    with Dispatcher(sessions, receiver.url, SECRET) as dispatcher:
        worker = threading.Thread(target=lambda: results.append(dispatcher.run(stop, poll_s=0.05)))
        worker.start()
        action_id = _submit_selling_post(sessions)
        gate.wait(DEADLOCK_GUARD_S)
        stop.set()
        worker.join()
    assert results == [DeliveryStats(delivered=1)]
    assert _action(sessions, action_id).status == ActionStatus.DELIVERED


def test_deliver_command(
    db_url: str, sessions: sessionmaker[Session], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERDICTOR_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("INTERDICTOR_WEBHOOK_SECRET", SECRET)
    runner = CliRunner()
    missing = runner.invoke(app, ["deliver", "--once", "--database-url", db_url])
    assert missing.exit_code == 2
    assert "--url" in missing.output
    not_http = runner.invoke(app, ["deliver", "--once", "--url", "ftp://x", "--database-url", db_url])
    assert not_http.exit_code == 2
    assert "http:// or https://" in not_http.output

    _enqueue(sessions, 3)
    args = ["deliver", "--once", "--url", receiver.url, "--database-url", db_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "delivered 3, retrying 0, dead 0"
    assert len(receiver.received) == 3
    again = runner.invoke(app, args)
    assert again.output.strip() == "delivered 0, retrying 0, dead 0"


def test_deliver_runs_until_terminated(
    db_url: str, sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    _enqueue(sessions, 2)
    worker = subprocess.Popen(
        [sys.executable, "-m", "interdictor.cli", "deliver", "--url", receiver.url, "--database-url", db_url],
        env={**os.environ, "INTERDICTOR_WEBHOOK_SECRET": SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        receiver.wait_for(2)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=DEADLOCK_GUARD_S)
    assert worker.returncode == 0, err
    assert out.decode().strip() == "delivered 2, retrying 0, dead 0"


def test_signatures_reject_tampering_wrong_secrets_and_replays() -> None:
    body = b'{"action":"remove","post_id":"tw-1001"}'
    headers = sign(body, SECRET, 1_740_830_400)
    assert headers["X-Interdictor-Timestamp"] == "1740830400"
    assert headers["X-Interdictor-Signature"].startswith("v1=")
    verify(body, headers, SECRET, now=1_740_830_400 + 299)
    verify(body, {k.lower(): v for k, v in headers.items()}, SECRET, now=1_740_830_400)

    def reason(body: bytes, headers: dict[str, str], secret: str = SECRET, now: float = 1_740_830_400) -> str:
        with pytest.raises(SignatureError) as caught:
            verify(body, headers, secret, now=now)
        return str(caught.value)

    assert reason(body.replace(b"remove", b"label"), headers) == "signature does not match the body"
    assert reason(body, headers, secret="whsec_other") == "signature does not match the body"
    assert "old" in reason(body, headers, now=1_740_830_400 + 301)
    assert "future" in reason(body, headers, now=1_740_830_400 - 301)
    # A replay with a fresh timestamp but the old signature does not match.
    restamped = {**headers, "X-Interdictor-Timestamp": "1740830999"}
    assert reason(body, restamped, now=1_740_830_999) == "signature does not match the body"
    assert "missing X-Interdictor-Signature" in reason(body, {"X-Interdictor-Timestamp": "1740830400"})
    assert "missing X-Interdictor-Timestamp" in reason(body, {"X-Interdictor-Signature": "v1=00"})
    assert "v1=<64 hex digits>" in reason(body, {**headers, "X-Interdictor-Signature": "sha256=abc"})
    assert "Unix seconds" in reason(body, {**headers, "X-Interdictor-Timestamp": "yesterday"})
