"""Try a policy on a file of posts: detect each post, decide, and count the actions.

Nothing is stored or enforced; this shows what a policy would do before it is deployed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from interdictor.detect.base import LABELS, Analysis, Post
from interdictor.detect.pipeline import Pipeline
from interdictor.detect.scan import CHUNK, chunked
from interdictor.ingest.files import InputError, Record
from interdictor.policy.engine import Decision, Policy
from interdictor.policy.jurisdictions import is_known

NO_JURISDICTION = "-"


def post_jurisdiction(post: Post, fallback: str | None = None) -> str | None:
    """The post's ``jurisdiction``, else its account's (``"account": {"jurisdiction": ...}``),
    else ``fallback``; upper-cased. Raises :class:`InputError` for a value that is not a
    country or US state code."""
    account = post.extra.get("account")
    for where, value in (
        ("jurisdiction", post.extra.get("jurisdiction")),
        ("account.jurisdiction", account.get("jurisdiction") if isinstance(account, Mapping) else None),
    ):
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not is_known(value):
            raise InputError(f"'{where}' is not a country or US state code: {value!r}")
        return value.strip().upper()
    return fallback


@dataclass(frozen=True, slots=True)
class Outcome:
    """One input line: a decision for its post, or why it could not be read."""

    line: int
    post_id: str | None
    jurisdiction: str | None = None
    analysis: Analysis | None = None
    decision: Decision | None = None
    error: str | None = None

    @property
    def top(self) -> tuple[str, float]:
        """The label with the highest score, and the score."""
        scores = self.analysis.scores if self.analysis else {}
        label = max(LABELS, key=lambda name: scores.get(name, 0.0))
        return label, scores.get(label, 0.0)

    def to_json(self) -> dict[str, Any]:
        if self.decision is None or self.analysis is None:
            out: dict[str, Any] = {"line": self.line, "error": self.error or "unreadable"}
            if self.post_id is not None:
                out["id"] = self.post_id
            return out
        label, score = self.top
        return {
            "id": self.post_id,
            "jurisdiction": self.jurisdiction,
            **self.decision.to_json(),
            "labels": self.analysis.labels,
            "scores": {name: round(self.analysis.scores.get(name, 0.0), 4) for name in LABELS},
            "substances": self.analysis.substances,
            "top_label": label,
            "top_score": round(score, 4),
        }


def simulate(
    policy: Policy,
    records: Iterable[Record],
    jurisdiction: str | None = None,
    pipeline: Pipeline | None = None,
) -> Iterator[Outcome]:
    """One :class:`Outcome` per record, in order. ``jurisdiction`` is used for posts
    that name none; unreadable records become error outcomes and the run goes on."""
    pipe = pipeline or Pipeline.default()
    for chunk in chunked(records, CHUNK):
        outcomes: list[Outcome] = []
        todo: list[tuple[int, Post, str | None]] = []
        for rec in chunk:
            if rec.post is None:
                outcomes.append(Outcome(rec.line, rec.id, error=rec.error))
                continue
            try:
                todo.append((len(outcomes), rec.post, post_jurisdiction(rec.post, jurisdiction)))
            except InputError as exc:
                outcomes.append(Outcome(rec.line, rec.post.id, error=str(exc)))
                continue
            outcomes.append(Outcome(rec.line, rec.post.id))  # decided below, with its batch
        analyses = pipe.analyze_batch([post for _, post, _ in todo])
        for (i, post, code), analysis in zip(todo, analyses, strict=True):
            decision = policy.decide(analysis, code, post.surface)
            outcomes[i] = Outcome(outcomes[i].line, post.id, code, analysis, decision)
        yield from outcomes


@dataclass(slots=True)
class Tally:
    """Counts of actions, overall and per jurisdiction, and of unreadable lines."""

    actions: Counter[str] = field(default_factory=Counter)
    by_jurisdiction: dict[str, Counter[str]] = field(default_factory=dict)
    errors: int = 0

    @property
    def posts(self) -> int:
        return sum(self.actions.values())

    def add(self, outcome: Outcome) -> None:
        if outcome.decision is None:
            self.errors += 1
            return
        self.actions[outcome.decision.action] += 1
        code = outcome.jurisdiction or NO_JURISDICTION
        self.by_jurisdiction.setdefault(code, Counter())[outcome.decision.action] += 1
