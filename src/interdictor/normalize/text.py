"""Normalization that undoes evasion while remembering where every character came from.

Each step rewrites the text through :class:`_Builder`, which carries, for every output
character, the span of the original text it stands for. Detectors match on the
normalized text and report evidence with :meth:`NormalizedText.span`, so a reviewer
always sees the words as the author wrote them.

Steps, in order:

1. invisible characters removed (zero-width spaces and joiners, soft hyphens, bidi
   controls, variation selectors, tag characters);
2. every other character folded: NFKC compatibility forms, accents dropped, homoglyphs
   mapped to Latin (``оxy`` with a Cyrillic о becomes ``oxy``), case folded, emoji skin
   tones and keycaps dropped;
3. letters split by spaces, dots or symbols joined (``f e n t``, ``o.x.y``,
   ``x : a : n : a : x``);
4. in the *leet* view only, digits and symbols inside words read as letters
   (``f3nt``, ``x@n@x``, ``0xy``);
5. repeated letters squeezed to one (``fentttt``, ``xaaanax``); the lexicon is squeezed
   the same way, so ``pills`` still matches.

The leet view is a second reading, not a replacement: ``m30`` must stay ``m30``.

:func:`skeleton` is a third reading for drug names only: letters that look alike in
most fonts are read as one (``l``, capital ``I`` and ``1`` as ``i``; ``v`` as ``u``;
leet digits and symbols as letters), so ``vaIium``, ``vlagra``, ``c1al1s`` and
``phentermlne`` read like the names they imitate. It is not squeezed: ``retalin``
(a misspelled Ritalin) must not read as ``retain``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from interdictor.normalize.confusables import fold_char

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]+"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Three or more single characters with separators between them ("f e n t", "o.x.y",
# "x^a^n^a^x"). An apostrophe separates only with spaces around it ("v ' 1 c"), as in
# tokenised mail, so "don't" and "rock'n'roll" stay as written.
_SEP = r"(?: ' |[ \t.:;*_\-/|,~+•·^]{1,3})"
_SPLIT_PLAIN = re.compile(rf"(?<![^\W_])[^\W_](?:{_SEP}[^\W_]){{2,}}(?![^\W_])")
_UNIT = r"(?:[^\W_]|[@$!|])"
_SPLIT_LEET = re.compile(rf"(?<!{_UNIT}){_UNIT}(?:{_SEP}{_UNIT}){{2,}}(?!{_UNIT})")
_SEP_CHARS = re.compile(_SEP)
_LEET_TABLE = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "i"}
)
# A word with a leet character in it ('@'/'$' leading a word are handles or cashtags,
# not letters); words without a letter are left alone in _deleet.
_LEET_WORD = re.compile(r"(?<![\w@$!|])[@$]?(?![@$])([\w@$!|]*[013457@$!|][\w@$!|]*)")
_LEET_CHARS = re.compile(r"[013457@$!|]")
_REPEAT = re.compile(r"([a-z])\1+")
_LOOK_ALIKES = ("l1|!v034@5$", "iiiiuoeaass")
_SKELETON_TABLE = str.maketrans(*_LOOK_ALIKES)
_SKELETON_BYTES = bytes.maketrans(*(s.encode() for s in _LOOK_ALIKES))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized reading of ``original``; ``starts[i]``/``ends[i]`` give the
    original span behind normalized character ``i``."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalized slice ``text[start:end]`` (end > start)."""
        return self.starts[start], self.ends[end - 1]

    @classmethod
    def identity(cls, text: str) -> NormalizedText:
        return cls(text, text, list(range(len(text))), list(range(1, len(text) + 1)))


class _Builder:
    """Accumulates output text together with its map back to the original."""

    __slots__ = ("ends", "parts", "pos", "src", "starts")

    def __init__(self, src: NormalizedText) -> None:
        self.src = src
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pos = 0

    def keep_to(self, j: int) -> None:
        """Copy source characters up to ``j`` unchanged."""
        i = self.pos
        if j > i:
            self.parts.append(self.src.text[i:j])
            self.starts.extend(self.src.starts[i:j])
            self.ends.extend(self.src.ends[i:j])
        self.pos = max(self.pos, j)

    def put(self, s: str, i: int, j: int) -> None:
        """Emit ``s`` standing for source characters ``i:j`` (then skip past them)."""
        if s:
            start, end = self.src.starts[i], self.src.ends[j - 1]
            self.parts.append(s)
            self.starts.extend([start] * len(s))
            self.ends.extend([end] * len(s))
        self.pos = j

    def build(self) -> NormalizedText:
        self.keep_to(len(self.src.text))
        return NormalizedText(self.src.original, "".join(self.parts), self.starts, self.ends)


def _rewrite(
    src: NormalizedText, pattern: re.Pattern[str], fn: Callable[[_Builder, re.Match[str]], None]
) -> NormalizedText:
    """Apply ``fn`` to each match of ``pattern``; text between matches is kept."""
    b: _Builder | None = None
    for m in pattern.finditer(src.text):
        if b is None:
            b = _Builder(src)
        b.keep_to(m.start())
        fn(b, m)
    return src if b is None else b.build()


def _drop(b: _Builder, m: re.Match[str]) -> None:
    b.put("", m.start(), m.end())


def _fold_run(b: _Builder, m: re.Match[str]) -> None:
    for k in range(m.start(), m.end()):
        b.put(fold_char(b.src.text[k]), k, k + 1)


def _join_split(b: _Builder, m: re.Match[str]) -> None:
    # Keep each character's own origin; only the separators disappear.
    for sep in _SEP_CHARS.finditer(m.group(), 1):
        b.keep_to(m.start() + sep.start())
        b.put("", m.start() + sep.start(), m.start() + sep.end())


def _deleet(b: _Builder, m: re.Match[str]) -> None:
    word = m.group(1)
    if word.isdigit() or not any(c.isalpha() for c in word):
        return
    text, last = b.src.text, m.end(1) - 1
    for k, ch in enumerate(m.group(1), m.start(1)):
        mapped = ch.translate(_LEET_TABLE)
        # "wow!!": a symbol is a letter only with a letter or digit after it.
        if mapped != ch and (ch.isdigit() or (k < last and text[k + 1].isalnum())):
            b.keep_to(k)
            b.put(mapped, k, k + 1)


def _squeeze(b: _Builder, m: re.Match[str]) -> None:
    b.put(m.group(1), m.start(), m.end())


def _fold(text: str) -> NormalizedText:
    nt = _rewrite(NormalizedText.identity(text), _INVISIBLE, _drop)
    if not nt.text.isascii():
        nt = _rewrite(nt, _NON_ASCII, _fold_run)
    lowered = nt.text.lower()
    if lowered != nt.text:
        # ASCII lower-casing is one-to-one, so the map is unchanged.
        nt = NormalizedText(nt.original, lowered, nt.starts, nt.ends)
    return nt


def normalize(text: str) -> NormalizedText:
    """The plain normalized reading of ``text`` (no leetspeak substitution)."""
    nt = _rewrite(_fold(text), _SPLIT_PLAIN, _join_split)
    return _rewrite(nt, _REPEAT, _squeeze)


def normalize_views(text: str) -> tuple[NormalizedText, ...]:
    """The plain reading and, when the text has digits or symbols inside words, the
    leet reading too."""
    return readings(text)[0]


def skeleton(text: str) -> NormalizedText:
    """The look-alike reading (see the module notes)."""
    return readings(text)[1]


def readings(text: str) -> tuple[tuple[NormalizedText, ...], NormalizedText]:
    """:func:`normalize_views` and :func:`skeleton` at once, folding the text once."""
    folded = _fold(text)
    joined = _rewrite(folded, _SPLIT_PLAIN, _join_split)
    plain = _rewrite(joined, _REPEAT, _squeeze)
    if not _LEET_CHARS.search(folded.text):
        return (plain,), _look_alike(joined)
    joined = _rewrite(folded, _SPLIT_LEET, _join_split)
    leet = _rewrite(_rewrite(joined, _LEET_WORD, _deleet), _REPEAT, _squeeze)
    views = (plain,) if leet.text == plain.text else (plain, leet)
    return views, _look_alike(joined)


def _look_alike(joined: NormalizedText) -> NormalizedText:
    # One character for one, so the joined text's offset map still holds; bytes.translate
    # is several times faster than str.translate on the common all-ASCII text.
    text = joined.text
    if text.isascii():
        bones = text.encode().translate(_SKELETON_BYTES).decode()
    else:
        bones = text.translate(_SKELETON_TABLE)
    return NormalizedText(joined.original, bones, joined.starts, joined.ends)
