"""What every detector shares: the post being analysed and the findings it produces.

A detector has one job (normalize, match the lexicon, extract indicators, classify)
and writes its findings onto an :class:`Analysis`; the :class:`~interdictor.detect.pipeline.Pipeline`
runs them in order and a scorer turns the findings into labels and scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from interdictor.normalize import NormalizedText

LABELS: tuple[str, ...] = ("drug_sale", "smuggling_recruitment")

SUBSTANCES: tuple[str, ...] = (
    "fentanyl",
    "opioid",
    "benzodiazepine",
    "stimulant",
    "cannabis",
    "mdma",
    "psychedelic",
    "dissociative",
    "steroid",
    "prescription",
)

INDICATOR_TYPES: tuple[str, ...] = (
    "phone",
    "email",
    "url",
    "domain",
    "telegram",
    "whatsapp",
    "signal",
    "wickr",
    "snapchat",
    "instagram",
    "session",
    "threema",
    "cashapp",
    "venmo",
    "zelle",
    "btc",
    "eth",
    "xmr",
    "trx",
    "ltc",
    "pgp_fingerprint",
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the original text and why it matters.

    ``start``/``end`` are offsets into the post's original text; ``signal`` names the
    kind of finding (``drug_term``, ``emoji_code``, ``sale_cue``, ``indicator``...),
    ``detail`` says what it means in words a reviewer can read.
    """

    start: int
    end: int
    text: str
    signal: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "signal": self.signal,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Indicator:
    """A contact, payment or crypto handle found in a post (SPEC §2 indicator types)."""

    type: str
    value: str  # as written in the post
    normalized: str  # canonical form: E.164 phone, lower-case handle, checksummed address
    start: int  # offsets into the original text
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "normalized": self.normalized}


@dataclass(frozen=True, slots=True)
class TermHit:
    """One lexicon match; ``weight`` is the term's evidence strength toward ``label``."""

    term: str  # canonical lexicon term
    category: str  # drug_name, slang, emoji, sale_cue, recruit_cue, negative_cue, ...
    label: str  # drug_sale, smuggling_recruitment or "" for context-only cues
    substance: str  # one of SUBSTANCES or ""
    weight: float
    ambiguous: bool  # needs context before it counts
    start: int  # offsets into the original text
    end: int
    detail: str  # what the term means, for a reviewer


@dataclass(slots=True)
class Post:
    """One post as read from input. Extra fields are kept untouched in ``extra``."""

    id: str
    text: str
    surface: str | None = None
    lang: str | None = None
    author: str | None = None
    created_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Analysis:
    """Everything the detectors found about one post, and the decision drawn from it."""

    post: Post
    # Every normalized reading (plain first, then leet when it differs).
    views: tuple[NormalizedText, ...] = ()
    hits: list[TermHit] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # Named numeric features any detector may add (e.g. a classifier's raw score).
    features: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    substances: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The scan output line (SPEC §2)."""
        return {
            "id": self.post.id,
            "labels": self.labels,
            "scores": {label: round(self.scores.get(label, 0.0), 4) for label in LABELS},
            "substances": self.substances,
            "indicators": [i.to_json() for i in self.indicators],
            "evidence": [e.to_json() for e in self.evidence],
        }


class Detector(Protocol):
    """One small step of analysis. It reads what earlier steps wrote and adds its own."""

    name: str

    def analyze(self, analysis: Analysis) -> None: ...
