"""The append-only, hash-chained audit log.

Each entry's ``hash`` is the SHA-256 of the canonical JSON (orjson, sorted keys) of its
id, created_at (ISO-8601 UTC with microseconds), actor, verb, object_type, object_id,
reason, data and prev_hash; ``prev_hash`` is the previous entry's hash (64 zeros for the
first). Editing an entry breaks its hash, deleting one leaves a gap in the ids, and the
``audit_head`` row, updated in the same transaction as every append, shows entries cut
off the end.

Appends are serialised by updating the head row first: on PostgreSQL that takes a row
lock held to commit; on SQLite it takes the database's single write lock (a transaction
whose first statement is a write waits for the lock instead of failing). So two writers
can never read the same head and fork the chain.

Someone who can write to the database can still rewrite the whole chain and the head.
Against that, record the head hash somewhere else (``interdictor audit verify`` prints
it) and pass it back later as an anchor: the chain must still contain it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interdictor.store.models import GENESIS_HASH, AuditEntry, AuditHead, utcnow


class ProblemKind(StrEnum):
    """What is wrong with the chain at an entry."""

    HASH = "hash"  # the entry's content does not match its hash: edited
    LINK = "link"  # prev_hash is not the previous entry's hash: edited, or re-hashed
    GAP = "gap"  # ids missing before this entry: deleted
    HEAD = "head"  # the last entry is not the one the head names: cut off the end
    ANCHOR = "anchor"  # an externally recorded hash is not in the chain


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing ``verify`` found wrong; ``entry_id`` is None for problems of the whole log."""

    kind: ProblemKind
    entry_id: int | None
    detail: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "log"
        return f"{where}: {self.kind}: {self.detail}"


def canonical_time(moment: datetime) -> str:
    """ISO-8601 in UTC with microseconds, as hashed."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 hex of the entry's canonical JSON."""
    content = {
        "id": entry.id,
        "created_at": canonical_time(entry.created_at),
        "actor": entry.actor,
        "verb": entry.verb,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "reason": entry.reason,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One thing to write to the log: who did what to which object, and why."""

    actor: str
    verb: str
    object_type: str
    object_id: str | int
    reason: str | None = None
    data: dict[str, Any] | None = None


class AuditLog:
    """Appends to and verifies the audit log, inside the caller's transaction."""

    @staticmethod
    def append(
        session: Session,
        actor: str,
        verb: str,
        object_type: str,
        object_id: str | int,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Add an entry to the chain; it commits (or rolls back) with the caller's transaction.

        The head row stays locked until then, so keep audited transactions short.
        """
        record = AuditRecord(actor, verb, object_type, object_id, reason, data)
        return AuditLog.append_many(session, [record])[0]

    @staticmethod
    def append_many(session: Session, records: Sequence[AuditRecord]) -> list[AuditEntry]:
        """Add several entries at once, in order: one trip to the head row for all of them,
        so a batch of posts costs the chain three statements, not three per entry."""
        if not records:
            return []
        last_id, prev_hash = session.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(last_id=AuditHead.last_id + len(records))
            .returning(AuditHead.last_id, AuditHead.last_hash)
        ).one()
        now = utcnow()
        entries = []
        for n, record in enumerate(records, last_id - len(records) + 1):
            entry = AuditEntry(
                id=n,
                created_at=now,
                actor=record.actor,
                verb=record.verb,
                object_type=record.object_type,
                object_id=str(record.object_id),
                reason=record.reason,
                # Hash exactly what reads back: the JSON round trip turns tuples into lists and so on.
                data=orjson.loads(orjson.dumps(record.data or {})),
                prev_hash=prev_hash,
            )
            entry.hash = prev_hash = entry_hash(entry)
            entries.append(entry)
        session.add_all(entries)
        session.flush()
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev_hash))
        return entries

    @staticmethod
    def head(session: Session) -> tuple[int, str]:
        """The id and hash of the last entry, as the head row records them."""
        last_id, last_hash = session.execute(
            select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
        ).one()
        return last_id, last_hash

    @staticmethod
    def verify(session: Session, anchor: str | None = None) -> list[Problem]:
        """Walk the chain in id order and report every broken hash, link, gap and a cut-off end.

        ``anchor`` is a head hash recorded earlier, outside the database; it must still be
        in the chain.
        """
        problems: list[Problem] = []
        expected_id, prev_hash, anchored = 1, GENESIS_HASH, anchor is None
        entries = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
        )
        for entry in entries:
            if entry.id != expected_id:
                problems.append(
                    Problem(ProblemKind.GAP, entry.id, f"entries {expected_id}..{entry.id - 1} are missing")
                )
            elif entry.prev_hash != prev_hash:
                # After a gap the link is broken by construction; report the gap alone.
                problems.append(
                    Problem(ProblemKind.LINK, entry.id, "prev_hash is not the previous entry's hash")
                )
            if entry_hash(entry) != entry.hash:
                problems.append(Problem(ProblemKind.HASH, entry.id, "content does not match its hash"))
            anchored = anchored or entry.hash == anchor
            expected_id, prev_hash = entry.id + 1, entry.hash
        head_id, head_hash = AuditLog.head(session)
        if head_id != expected_id - 1:
            problems.append(
                Problem(
                    ProblemKind.HEAD,
                    None,
                    f"the head names entry {head_id} but the last entry is {expected_id - 1}",
                )
            )
        elif head_hash != prev_hash:
            problems.append(Problem(ProblemKind.HEAD, None, "the last entry's hash is not the head's"))
        if not anchored:
            problems.append(Problem(ProblemKind.ANCHOR, None, f"no entry has the anchor hash {anchor}"))
        return problems
