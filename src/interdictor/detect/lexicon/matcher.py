"""Multi-pattern matching of the curated lexicon over normalized text.

Terms are normalized exactly as posts are (``interdictor.normalize``), so one
Aho-Corasick pass over each normalized view finds every term however it was written,
and each hit maps back to the author's own characters.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import pairwise

import ahocorasick

from interdictor.detect.base import Analysis, TermHit
from interdictor.normalize import NormalizedText, normalize, readings, skeleton

DEFAULT_TERMS = "terms.tsv"
# Names matched in the look-alike reading too: clear drug names long enough that no
# everyday word shares their skeleton ("dobie" would catch Spanish "doble").
SKELETON_CATEGORIES = frozenset({"drug_name", "slang", "pill_mark"})
SKELETON_MIN_CHARS = 6
# A name shorter than this followed by digits is a code or a model number ("mp3", "b12").
MIN_DOSED_CHARS = 3
# A name cut into pieces ("v + iagr + a", "vl @ gra", "ci 4 lis") is read glued back
# when the cuts are short and not across lines.
_PIECE = re.compile(r"[a-z0-9]+")
_CUT = re.compile(r"[^a-z0-9]+")
# The same cuts as bytes, for ASCII text: bytes.translate deletes them several times
# faster than a regular expression, and this runs on every post.
_CUT_BYTES = bytes(c for c in range(128) if not chr(c).isdigit() and not ("a" <= chr(c) <= "z"))
MAX_CUT_CHARS = 5
COLUMNS = ("term", "category", "label", "substance", "weight", "ambiguous", "lang", "detail")


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    category: str
    label: str
    substance: str
    weight: float
    ambiguous: bool
    lang: str
    detail: str


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the line."""


def _is_word(ch: str) -> bool:
    return ch.isalnum()


class Lexicon:
    """A versioned set of weighted terms, compiled for matching."""

    def __init__(self, entries: Iterable[Entry], version: str = "unversioned") -> None:
        self.version = version
        self.entries: list[Entry] = list(entries)
        keys: dict[str, list[int]] = {}
        look_alike: dict[str, list[int]] = {}
        for idx, entry in enumerate(self.entries):
            key = normalize(entry.term).text.strip()
            if key:
                keys.setdefault(key, []).append(idx)
            if entry.category in SKELETON_CATEGORIES and not entry.ambiguous:
                bones = skeleton(entry.term).text.strip()
                if len(bones) >= SKELETON_MIN_CHARS:
                    look_alike.setdefault(bones, []).append(idx)
        self._automaton = _compile(keys)
        self._skeleton = _compile(look_alike)

    @classmethod
    def parse(cls, text: str, name: str = "<lexicon>") -> Lexicon:
        version = "unversioned"
        rows: list[str] = []
        for line in text.splitlines():
            if line.startswith("# lexicon-version:"):
                version = line.split(":", 1)[1].strip()
            elif line.strip() and not line.startswith("#"):
                rows.append(line)
        reader = csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise LexiconError(f"{name}: header must be the columns {COLUMNS}, got {header!r}")
        entries = []
        for n, row in enumerate(reader, 2):
            if len(row) != len(COLUMNS):
                raise LexiconError(f"{name}: row {n} has {len(row)} fields, expected {len(COLUMNS)}")
            term, category, label, substance, weight, ambiguous, lang, detail = row
            try:
                w = float(weight)
            except ValueError:
                raise LexiconError(f"{name}: row {n}: weight {weight!r} is not a number") from None
            entries.append(Entry(term, category, label, substance, w, ambiguous.strip() == "1", lang, detail))
        return cls(entries, version)

    def find(self, nt: NormalizedText) -> list[TermHit]:
        """Whole-word hits in one normalized view, as spans of the original text."""
        return self._find(nt, self._automaton)

    def find_look_alikes(self, bones: NormalizedText) -> list[TermHit]:
        """Drug names written with look-alike letters, in the :func:`skeleton` reading."""
        return self._find(bones, self._skeleton)

    def find_glued(self, bones: NormalizedText) -> list[TermHit]:
        """Drug names cut into pieces, in the :func:`skeleton` reading with the cuts
        removed. A hit must begin and end on piece boundaries and span a cut that is a
        symbol or leaves a lone letter: "hero in" and "fast in" are two words, not
        heroin and Fastin."""
        if len(self._skeleton) == 0:
            return []
        text = bones.text
        glued = text.encode().translate(None, _CUT_BYTES).decode() if text.isascii() else _CUT.sub("", text)
        # Usually nothing, or only names written whole: then no piece map is built.
        found = [f for f in self._skeleton.iter(glued) if glued[f[0] - f[1][0] + 1 : f[0] + 1] not in text]
        if not found:
            return []
        pieces = [(m.start(), m.end()) for m in _PIECE.finditer(text)]
        offsets = [0]
        for a, b in pieces:
            offsets.append(offsets[-1] + b - a)
        hits: list[TermHit] = []
        for end, (length, idxs) in found:
            first = bisect_right(offsets, end - length + 1) - 1
            last = bisect_right(offsets, end) - 1
            if first == last or offsets[first] != end - length + 1 or offsets[last + 1] != end + 1:
                continue
            if not _cut_to_hide(bones, pieces[first : last + 1]):
                continue
            start, stop = bones.span(pieces[first][0], pieces[last][1])
            hits.extend(self._hit(idx, start, stop) for idx in idxs)
        return hits

    def _hit(self, idx: int, start: int, end: int) -> TermHit:
        e = self.entries[idx]
        return TermHit(e.term, e.category, e.label, e.substance, e.weight, e.ambiguous, start, end, e.detail)

    def _find(self, nt: NormalizedText, automaton: ahocorasick.Automaton) -> list[TermHit]:
        text = nt.text
        n = len(text)
        hits: list[TermHit] = []
        if len(automaton) == 0:  # never compiled: nothing to find, and iter() would raise
            return hits
        for end, (length, idxs) in automaton.iter(text):
            start = end - length + 1
            stop = end + 1
            # Word terms must stand alone; a plural "s" is allowed ("m30s", "percs"), and
            # so is a dose written onto a name ("xanax2mg", "oxy30").
            if _is_word(text[start]) and start > 0 and _is_word(text[start - 1]):
                continue
            if _is_word(text[end]) and stop < n and _is_word(text[stop]):
                if text[stop] == "s" and length >= 3 and (stop + 1 == n or not _is_word(text[stop + 1])):
                    stop += 1
                elif not (text[stop].isdigit() and text[end].isalpha() and length >= MIN_DOSED_CHARS):
                    continue
            ostart, oend = nt.span(start, stop)
            hits.extend(self._hit(idx, ostart, oend) for idx in idxs)
        return hits


def _cut_to_hide(bones: NormalizedText, pieces: list[tuple[int, int]]) -> bool:
    """Whether these pieces of one name were cut apart to hide it: every cut short and
    on one line, and some cut a symbol or some piece a lone letter (not the word "a" or "i")."""
    cuts = [bones.text[b:c] for (_, b), (c, _) in pairwise(pieces)]
    if any(len(c) > MAX_CUT_CHARS or "\n" in c for c in cuts):
        return False
    return any(c.strip() for c in cuts) or any(
        b - a == 1 and bones.original[bones.starts[a] : bones.ends[a]].lower() not in ("a", "i")
        for a, b in pieces
    )


def _compile(keys: dict[str, list[int]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, idxs in keys.items():
        automaton.add_word(key, (len(key), tuple(idxs)))
    if keys:
        automaton.make_automaton()
    return automaton


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped in the package."""
    resource = files("interdictor.detect.lexicon").joinpath("data", DEFAULT_TERMS)
    return Lexicon.parse(resource.read_text(encoding="utf-8"), DEFAULT_TERMS)


class LexiconDetector:
    """Finds lexicon terms in every normalized reading of the post."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()

    def analyze(self, analysis: Analysis) -> None:
        views, bones = readings(analysis.post.text)
        analysis.views = views
        hits: dict[tuple[str, str, int, int], TermHit] = {}
        found = [hit for view in views for hit in self.lexicon.find(view)]
        found += self.lexicon.find_look_alikes(bones)
        found += self.lexicon.find_glued(bones)
        for hit in found:
            hits.setdefault((hit.term, hit.category, hit.start, hit.end), hit)
        analysis.hits.extend(_outermost(list(hits.values())))


def _outermost(hits: list[TermHit]) -> list[TermHit]:
    """Drop a hit that lies inside a longer phrase ("por viaje" inside "pago por viaje",
    "prescription required" inside "no prescription required"), so the words are read
    once, as the longer phrase means them. Equal spans of different categories stay."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[TermHit] = []
    reach = -1
    for h in hits:
        if h.end < reach or (h.end == reach and kept and kept[-1].start < h.start):
            continue
        if any(k.start == h.start and k.end == h.end and k.category == h.category for k in kept[-3:]):
            continue
        kept.append(h)
        reach = max(reach, h.end)
    return kept
