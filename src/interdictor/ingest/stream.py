"""Posts from a Redis stream, through the :class:`~interdictor.ingest.service.Processor`.

Producers ``XADD`` one entry per post to ``interdictor:posts`` with a field ``post``
holding the post as JSON (the SPEC §2 input shape). Workers share a consumer group:
each entry goes to one worker, which stores and decides the batch in one transaction and
``XACK`` s it only after the commit. A worker that dies leaves its entries pending; a
live worker takes them over with ``XAUTOCLAIM`` once they have been idle for
``claim_idle_ms``. An entry may so be processed twice, but never stored or decided twice:
the Processor's ingest is idempotent per platform post id.

Entries that can never be processed (not JSON, not a valid post, or refused by the
database) are copied to the dead stream with the reason and acknowledged, so they do
not hold up the entries behind them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import orjson
import redis
from redis.typing import EncodableT, FieldT
from sqlalchemy import exc as sa_exc

from interdictor.detect.base import Post
from interdictor.ingest.files import InputError, post_from_mapping
from interdictor.ingest.service import Processor

log = logging.getLogger(__name__)

STREAM = "interdictor:posts"
GROUP = "interdictor"
POST_FIELD = "post"

# Failures that say nothing about the posts: wait and try the same entries again.
RETRYABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    redis.ConnectionError,
    redis.TimeoutError,
)
# Failures no retry or dead-lettering can fix (a schema that does not match the code): stop.
FATAL: tuple[type[BaseException], ...] = (sa_exc.ProgrammingError, sa_exc.NotSupportedError)

EntryId = bytes | str
Fields = Mapping[str, bytes | str]
StreamEntry = tuple[EntryId, Mapping[bytes | str, bytes | str]]


def default_consumer() -> str:
    """A consumer name unique to this process: ``<hostname>-<pid>``."""
    return f"{socket.gethostname()}-{os.getpid()}"


def dead_stream_of(stream: str) -> str:
    """Where a stream's unprocessable entries go: ``<stream>:dead``."""
    return f"{stream}:dead"


def encode_post(post: Post) -> bytes:
    """A post as the JSON an entry's ``post`` field holds; :func:`decode_entry` reads it back."""
    known = {
        "id": post.id,
        "text": post.text,
        "surface": post.surface,
        "lang": post.lang,
        "author": post.author,
        "created_at": post.created_at,
    }
    return orjson.dumps({**{k: v for k, v in known.items() if v is not None}, **post.extra})


def decode_entry(fields: Fields) -> Post:
    """The post in a stream entry; :class:`InputError` says why there is none."""
    raw = fields.get(POST_FIELD)
    if raw is None:
        raise InputError(f"entry has no {POST_FIELD!r} field")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}") from None
    return post_from_mapping(obj)


def push_posts(
    client: redis.Redis,
    posts: Iterable[Post],
    stream: str = STREAM,
    chunk: int = 1000,
    maxlen: int | None = None,
) -> int:
    """``XADD`` posts to ``stream``, ``chunk`` per pipelined round trip; returns how many.

    ``maxlen`` caps the stream at about that many entries (``MAXLEN ~``); entries trimmed
    before a worker read them are lost, so keep it well above any backlog.
    """
    pushed = 0
    pipe = client.pipeline(transaction=False)
    for post in posts:
        pipe.xadd(stream, {POST_FIELD: encode_post(post)}, maxlen=maxlen, approximate=True)
        if len(pipe) >= chunk:
            pushed += len(pipe.execute())
    if len(pipe):
        pushed += len(pipe.execute())
    return pushed


@dataclass(frozen=True, slots=True)
class _Decoded:
    id: EntryId
    fields: Fields
    post: Post


@dataclass(frozen=True, slots=True)
class _Dead:
    id: EntryId
    fields: Fields
    error: str


def _text(key: bytes | str) -> str:
    return key.decode(errors="replace") if isinstance(key, bytes) else key


def _first_line(exc: BaseException) -> str:
    # SQLAlchemy appends the statement and its parameters, which hold post text.
    return str(exc).partition("\n")[0]


@dataclass(slots=True)
class WorkerStats:
    """What one worker has done since it started."""

    batches: int = 0
    stored: int = 0  # posts stored and decided by this worker
    duplicates: int = 0  # entries whose post was already stored: redelivered or sent twice
    dead: int = 0  # entries copied to the dead stream
    claimed: int = 0  # entries taken over from consumers that stopped acknowledging
    retries: int = 0  # times a batch failed for reasons outside it and was left pending

    def __str__(self) -> str:
        return (
            f"{self.stored} stored, {self.duplicates} duplicates, {self.dead} dead, "
            f"{self.claimed} claimed, {self.batches} batches, {self.retries} retries"
        )


@dataclass(slots=True)
class _Backoff:
    """Seconds to wait after consecutive failures: doubling from ``first`` up to ``most``."""

    first: float = 0.5
    most: float = 30.0
    _next: float = field(default=0.0, init=False)

    def next(self) -> float:
        self._next = min(self.most, self._next * 2) if self._next else self.first
        return self._next

    def reset(self) -> None:
        self._next = 0.0


class StreamWorker:
    """Reads posts from a Redis stream as one consumer of a group and processes them."""

    def __init__(
        self,
        client: redis.Redis,
        processor: Processor,
        stream: str = STREAM,
        group: str = GROUP,
        consumer: str | None = None,
        batch: int = 100,
        block_ms: int = 1000,
        claim_idle_ms: int = 30_000,
        dead_stream: str | None = None,
    ) -> None:
        self.redis = client
        self.processor = processor
        self.stream = stream
        self.group = group
        self.consumer = consumer or default_consumer()
        self.batch = batch
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.dead_stream = dead_stream or dead_stream_of(stream)
        self.stats = WorkerStats()
        self._stopping = threading.Event()

    def ensure_group(self) -> None:
        """Create the stream and the consumer group, reading from the start, unless they exist."""
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def stop(self) -> None:
        """Ask :meth:`run` to return after the batch in hand; safe from signal handlers and threads."""
        self._stopping.set()

    def stop_on_signals(self) -> None:
        """Stop after the current batch on SIGTERM or SIGINT; a second signal ends the process.

        Call from the main thread (Python delivers signals there only).
        """

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info("%s: %s, stopping after the current batch", self.consumer, signal.Signals(signum).name)
            signal.signal(signum, signal.SIG_DFL)
            self.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handle)

    def run(self) -> WorkerStats:
        """Process entries until :meth:`stop`; returns what was done.

        Entries already pending for this consumer name (a restart, or a batch the database
        failed) go first, then entries of dead consumers, then new ones.
        """
        need_group, own_backlog = True, True
        next_claim = 0.0
        backoff = _Backoff()
        log.info("%s: reading %s as group %s", self.consumer, self.stream, self.group)
        while not self._stopping.is_set():
            try:
                if need_group:
                    self.ensure_group()
                    need_group = False
                if time.monotonic() >= next_claim:
                    self.reclaim()
                    next_claim = time.monotonic() + self.claim_idle_ms / 1000
                entries = self._read("0" if own_backlog else ">")
                if own_backlog and not entries:
                    own_backlog = False
                self.handle(entries)
                backoff.reset()
            except RETRYABLE as exc:
                self.stats.retries += 1
                own_backlog = True
                wait = backoff.next()
                log.warning("%s: %s; retrying in %.1f s", self.consumer, _first_line(exc), wait)
                self._stopping.wait(wait)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or group went away (deleted, or Redis restarted empty).
                log.warning("%s: %s; creating the group again", self.consumer, exc)
                need_group = True
        log.info("%s: stopped: %s", self.consumer, self.stats)
        return self.stats

    def reclaim(self) -> int:
        """Take over and process entries pending longer than ``claim_idle_ms``; returns how many."""
        start: bytes | str = "0-0"
        claimed = 0
        while not self._stopping.is_set():
            start, entries, *_deleted = self.redis.xautoclaim(
                self.stream, self.group, self.consumer, self.claim_idle_ms, start, count=self.batch
            )
            if entries:
                claimed += len(entries)
                self.stats.claimed += len(entries)
                log.info("%s: claimed %d idle entries", self.consumer, len(entries))
                self.handle(entries)
            if start in (b"0-0", "0-0"):
                break
        return claimed

    def _read(self, start: str) -> list[StreamEntry]:
        response: Any = self.redis.xreadgroup(
            self.group,
            self.consumer,
            {self.stream: start},
            count=self.batch,
            # Our own pending entries are there already: do not wait for more.
            block=self.block_ms if start == ">" else None,
        )
        # {stream: entries} or [[stream, entries]], depending on the client's response shapes.
        streams = response.values() if isinstance(response, dict) else (s[1] for s in response)
        return [entry for entries in streams for entry in entries]

    def handle(self, entries: Sequence[StreamEntry]) -> None:
        """Process a batch of entries read or claimed by this consumer, and acknowledge them."""
        if not entries:
            return
        self.stats.batches += 1
        posts: list[_Decoded] = []
        dead: list[_Dead] = []
        gone: list[EntryId] = []
        for entry_id, raw_fields in entries:
            if not raw_fields:
                gone.append(entry_id)  # deleted from the stream while pending
                continue
            fields = {_text(k): v for k, v in raw_fields.items()}
            try:
                posts.append(_Decoded(entry_id, fields, decode_entry(fields)))
            except InputError as exc:
                dead.append(_Dead(entry_id, fields, str(exc)))
        self._bury(dead, gone)
        self._submit(posts)

    def _submit(self, posts: Sequence[_Decoded]) -> None:
        if not posts:
            return
        try:
            outcomes = self.processor.submit([p.post for p in posts])
        except RETRYABLE + FATAL:
            raise
        except Exception as exc:
            # Something in the batch was refused: find what by trying the posts one at a time.
            if len(posts) == 1:
                self._bury([_Dead(posts[0].id, posts[0].fields, f"refused: {_first_line(exc)}")], [])
                return
            for one in posts:
                self._submit([one])
            return
        # Acknowledge only what is committed; a crash before this leaves the entries pending.
        self.redis.xack(self.stream, self.group, *(p.id for p in posts))
        duplicates = sum(outcome.duplicate for outcome in outcomes)
        self.stats.duplicates += duplicates
        self.stats.stored += len(outcomes) - duplicates

    def _bury(self, dead: Sequence[_Dead], gone: Sequence[EntryId]) -> None:
        """Copy ``dead`` entries to the dead stream and acknowledge them with ``gone``, atomically.

        A dead entry keeps the original fields and adds ``error``, ``entry`` (its id) and
        ``stream``.
        """
        if not dead and not gone:
            return
        pipe = self.redis.pipeline(transaction=True)
        for d in dead:
            log.warning("%s: entry %s to %s: %s", self.consumer, _text(d.id), self.dead_stream, d.error)
            copy: dict[FieldT, EncodableT] = {k: v for k, v in d.fields.items()}
            copy.update({"error": d.error, "entry": d.id, "stream": self.stream})
            pipe.xadd(self.dead_stream, copy)
        pipe.xack(self.stream, self.group, *(d.id for d in dead), *gone)
        pipe.execute()
        self.stats.dead += len(dead)
