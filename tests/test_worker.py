"""The Redis stream worker on a real Redis, with real SQLite and PostgreSQL stores.

Workers run in threads for the single-worker cases and as real ``interdictor worker``
processes where one is killed or two share a group. Each test uses its own stream.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import cycle, islice
from pathlib import Path

import orjson
import pytest
import redis
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from conftest import ROOT, run_cli
from interdictor.detect.base import Post
from interdictor.ingest.files import PostReader
from interdictor.ingest.service import Processor
from interdictor.ingest.stream import (
    GROUP,
    StreamWorker,
    dead_stream_of,
    decode_entry,
    encode_post,
    push_posts,
)
from interdictor.policy import load_policy
from interdictor.store.audit import AuditLog
from interdictor.store.db import make_engine, session_factory
from interdictor.store.models import Decision
from interdictor.store.models import Post as StoredPost

REDIS_URL = os.environ.get("INTERDICTOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SAMPLE = ROOT / "data" / "sample" / "posts.jsonl"
# Generous bound on waiting for progress, so a broken worker fails the test instead of hanging it.
PATIENCE_S = 240


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        connection.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    yield connection
    connection.close()


@pytest.fixture
def stream(client: redis.Redis) -> Iterator[str]:
    name = f"interdictor:test:{uuid.uuid4().hex}"
    yield name
    client.delete(name, dead_stream_of(name))


def sample_posts(n: int, prefix: str) -> list[Post]:
    """``n`` posts cycling through the bundled sample, each with its own id."""
    sample = [record.post for record in PostReader(str(SAMPLE)) if record.post is not None]
    return [dataclasses.replace(p, id=f"{prefix}-{i}") for i, p in enumerate(islice(cycle(sample), n))]


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting {PATIENCE_S} s for {what}")
        time.sleep(0.05)


def stored(engine: Engine) -> Counter[str]:
    """How many rows each platform post id has."""
    with Session(engine) as session:
        return Counter(session.scalars(select(StoredPost.platform_post_id)).all())


def decisions_per_post(engine: Engine) -> Counter[int]:
    with Session(engine) as session:
        return Counter(session.scalars(select(Decision.post_id)).all())


def pending(client: redis.Redis, stream: str) -> int:
    count: int = client.xpending(stream, GROUP)["pending"]
    return count


def entries(client: redis.Redis, stream: str) -> list[dict[bytes, bytes]]:
    """The fields of every entry in ``stream``, oldest first."""
    found: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(stream)  # type: ignore[assignment]
    return [fields for _, fields in found]


def assert_each_stored_once(engine: Engine, posts: list[Post]) -> None:
    rows = stored(engine)
    assert set(rows) == {p.id for p in posts}
    assert set(rows.values()) == {1}
    decisions = decisions_per_post(engine)
    assert len(decisions) == len(posts)
    assert set(decisions.values()) == {1}
    with Session(engine) as session:
        assert AuditLog.verify(session) == []


def make_worker(client: redis.Redis, engine: Engine, stream: str, batch: int) -> StreamWorker:
    processor = Processor(session_factory(engine), load_policy("default"))
    return StreamWorker(client, processor, stream=stream, batch=batch, block_ms=100)


@contextmanager
def running(worker: StreamWorker) -> Iterator[StreamWorker]:
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(PATIENCE_S)
    assert not thread.is_alive(), "the worker did not stop"


class WorkerProcess:
    """``interdictor worker`` in its own process, its output in a file."""

    def __init__(self, db_url: str, stream: str, consumer: str, log_dir: Path, *extra: str) -> None:
        self.log = log_dir / f"{consumer}.log"
        command = [sys.executable, "-m", "interdictor.cli", "worker", "--redis-url", REDIS_URL]
        command += ["--database-url", db_url, "--stream", stream, "--consumer", consumer]
        command += ["--batch", "5", "--block-ms", "200", *extra]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def terminate(self) -> str:
        """Stop it with SIGTERM; its output, once it has exited cleanly."""
        self.process.send_signal(signal.SIGTERM)
        rc = self.process.wait(PATIENCE_S)
        output = self.log.read_text()
        assert rc == 0, output
        return output


def summary(output: str, what: str) -> int:
    """A count from the line a worker prints when it stops, e.g. ``what="claimed"``."""
    found = re.search(rf"^worker .*\b(\d+) {what}\b", output, re.MULTILINE)
    assert found, output
    return int(found.group(1))


@pytest.fixture
def spawn(stream: str, db_url: str, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker processes on this test's stream and database; kill any left at the end."""
    started: list[WorkerProcess] = []

    def start(consumer: str, *extra: str) -> WorkerProcess:
        started.append(WorkerProcess(db_url, stream, consumer, tmp_path, *extra))
        return started[-1]

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


def test_post_round_trips_through_an_entry() -> None:
    post = Post("p1", "hi", "comment", "en", "acct", "2024-01-01T00:00:00Z", {"jurisdiction": "MX"})
    assert decode_entry({"post": encode_post(post)}) == post
    assert orjson.loads(encode_post(Post("p2", "x"))) == {"id": "p2", "text": "x"}


def test_worker_stores_each_post_once_and_buries_bad_entries(
    client: redis.Redis, stream: str, db_engine: Engine
) -> None:
    posts = sample_posts(40, "batch")
    push_posts(client, posts[:20], stream)
    bad = [
        client.xadd(stream, {"post": b"{not json"}),
        client.xadd(stream, {"post": orjson.dumps({"id": "no-text"})}),
        client.xadd(stream, {"body": b"no post field"}),
    ]
    push_posts(client, posts[20:], stream)

    with running(make_worker(client, db_engine, stream, batch=7)) as worker:
        wait_for(lambda: worker.stats.stored + worker.stats.dead == 43, "the stream to be processed")
    assert_each_stored_once(db_engine, posts)
    assert pending(client, stream) == 0
    assert (worker.stats.stored, worker.stats.duplicates, worker.stats.dead) == (40, 0, 3)
    dead = entries(client, dead_stream_of(stream))
    assert [fields[b"entry"] for fields in dead] == bad
    errors = [fields[b"error"].decode() for fields in dead]
    assert errors[0].startswith("not valid JSON")
    assert errors[1:] == ["missing 'text'", "entry has no 'post' field"]
    assert dead[2][b"body"] == b"no post field"

    # The same posts sent again are recognised, not stored or decided a second time.
    push_posts(client, posts, stream)
    with running(make_worker(client, db_engine, stream, batch=7)) as again:
        wait_for(lambda: again.stats.duplicates == 40, "the repeated posts to be processed")
    assert_each_stored_once(db_engine, posts)
    assert (again.stats.stored, again.stats.dead) == (0, 0)
    assert pending(client, stream) == 0


@contextmanager
def ingest_blocked(engine: Engine) -> Iterator[None]:
    """Hold a lock every ingest transaction needs, from another connection, until the block ends."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("LOCK TABLE audit_head IN ACCESS EXCLUSIVE MODE"))
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        connection.rollback()


def impatient(db_url: str) -> str:
    """The same database, with lock waits that give up after 200 ms instead of waiting on."""
    if db_url.startswith("sqlite"):
        return f"{db_url}?timeout=0.2"
    return f"{db_url}%20-clock_timeout%3D200"


def test_nothing_is_acknowledged_while_the_database_fails(
    client: redis.Redis, stream: str, db_url: str, db_engine: Engine
) -> None:
    posts = sample_posts(12, "retry")
    push_posts(client, posts, stream)
    worker_engine = make_engine(impatient(db_url))
    try:
        with running(make_worker(client, worker_engine, stream, batch=5)) as worker:
            with ingest_blocked(db_engine):
                wait_for(lambda: worker.stats.retries >= 1, "the worker to fail on the locked database")
                assert stored(db_engine) == Counter()
                assert pending(client, stream) == 5
            wait_for(lambda: worker.stats.stored == len(posts), "the worker to store the posts")
    finally:
        worker_engine.dispose()
    assert_each_stored_once(db_engine, posts)
    assert pending(client, stream) == 0
    assert worker.stats.dead == 0


def test_a_post_the_database_refuses_goes_to_the_dead_stream(
    client: redis.Redis, stream: str, db_engine: Engine
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores NUL characters; PostgreSQL refuses them")
    posts = sample_posts(9, "refused")
    refused = Post("nul", "text with a NUL \x00 in it")
    push_posts(client, [*posts[:4], refused, *posts[4:]], stream)

    with running(make_worker(client, db_engine, stream, batch=10)) as worker:
        wait_for(lambda: worker.stats.stored + worker.stats.dead == 10, "the stream to be processed")
    assert_each_stored_once(db_engine, posts)
    assert pending(client, stream) == 0
    [fields] = entries(client, dead_stream_of(stream))
    assert fields[b"error"].startswith(b"refused:")
    assert decode_entry({"post": fields[b"post"]}) == refused


def test_entries_of_a_killed_worker_are_claimed_and_processed_once(
    client: redis.Redis, stream: str, db_engine: Engine, spawn: Callable[..., WorkerProcess]
) -> None:
    posts = sample_posts(400, "kill")
    push_posts(client, posts, stream)
    first = spawn("first")

    # Freeze the worker while it holds unacknowledged entries, then kill it.
    deadline = time.monotonic() + PATIENCE_S
    while True:
        assert time.monotonic() < deadline, first.log.read_text()
        done = sum(stored(db_engine).values())
        assert done < len(posts), "the first worker finished before it could be killed"
        if done:
            first.process.send_signal(signal.SIGSTOP)
            if pending(client, stream):
                break
            first.process.send_signal(signal.SIGCONT)
        time.sleep(0.01)
    first.process.kill()
    first.process.wait(PATIENCE_S)
    assert 0 < sum(stored(db_engine).values()) < len(posts)

    second = spawn("second", "--claim-idle-ms", "300")
    wait_for(
        lambda: sum(stored(db_engine).values()) == len(posts) and pending(client, stream) == 0,
        "the second worker to finish",
    )
    output = second.terminate()
    assert summary(output, "claimed") > 0
    assert_each_stored_once(db_engine, posts)
    assert pending(client, stream) == 0


def test_two_workers_share_the_stream(
    client: redis.Redis, stream: str, db_engine: Engine, spawn: Callable[..., WorkerProcess]
) -> None:
    workers = [spawn(name) for name in ("a", "b")]

    def both_reading() -> bool:
        try:
            return len(client.xinfo_consumers(stream, GROUP)) == 2
        except redis.ResponseError:  # no stream or group yet
            return False

    wait_for(both_reading, "both workers to join the group")
    # A few busy accounts, so that concurrent batches write the same account rows.
    accounts = cycle(["acct_a", "acct_b", "acct_c", "acct_b", "acct_a", "acct_c", "acct_c"])
    posts = [dataclasses.replace(p, author=next(accounts)) for p in sample_posts(400, "shared")]
    push_posts(client, posts, stream)
    wait_for(
        lambda: sum(stored(db_engine).values()) == len(posts) and pending(client, stream) == 0,
        "the workers to finish",
    )
    counts = [summary(w.terminate(), "stored") for w in workers]
    assert all(counts), counts
    assert sum(counts) == len(posts)
    assert_each_stored_once(db_engine, posts)


def test_push_command_adds_valid_posts_and_reports_bad_lines(
    client: redis.Redis, stream: str, write_jsonl: Callable[[list[object]], Path]
) -> None:
    rows: list[object] = [
        {"id": "a", "text": "first", "lang": "en", "jurisdiction": "US-CA"},
        b"{broken",
        {"id": "b"},
        {"id": "c", "text": "third"},
    ]
    result = run_cli("stream", "push", str(write_jsonl(rows)), "--redis-url", REDIS_URL, "--stream", stream)
    assert result.returncode == 0, result.stderr
    assert b"pushed 2 posts" in result.stdout
    assert b"line 2: not valid JSON" in result.stderr
    assert b"line 3: missing 'text'" in result.stderr
    assert [decode_entry({"post": fields[b"post"]}) for fields in entries(client, stream)] == [
        Post("a", "first", lang="en", extra={"jurisdiction": "US-CA"}),
        Post("c", "third"),
    ]


def test_worker_refuses_a_database_without_schema(client: redis.Redis, stream: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run_cli("worker", "--redis-url", REDIS_URL, "--database-url", url, "--stream", stream)
    assert result.returncode == 2
    assert b"interdictor db upgrade" in result.stderr
