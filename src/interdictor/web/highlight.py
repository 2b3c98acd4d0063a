"""Evidence spans laid over a post's original text, for marking it up in a template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Segment:
    """A run of the text; ``notes`` (one per evidence span covering it) makes it a mark."""

    text: str
    notes: list[str] = field(default_factory=list)


def _note(evidence: Mapping[str, Any]) -> str:
    return f"{evidence.get('signal', '')}: {evidence.get('detail', '')}"


def segments(text: str, evidence: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """``text`` cut into plain and marked runs. Spans are offsets into the original text;
    overlapping spans merge into one mark carrying every note, and spans outside the text
    (or malformed) are left out rather than guessed at."""
    spans: list[tuple[int, int, str]] = []
    for item in evidence:
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append((start, end, _note(item)))
    spans.sort()
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, note in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, notes = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*notes, note] if note not in notes else notes)
        else:
            merged.append((start, end, [note]))
    out: list[Segment] = []
    cursor = 0
    for start, end, notes in merged:
        if start > cursor:
            out.append(Segment(text[cursor:start]))
        out.append(Segment(text[start:end], notes))
        cursor = end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out
