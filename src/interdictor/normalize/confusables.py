"""Fold one non-ASCII character to the plain lower-case form a reader would see.

Compatibility forms (fullwidth, math bold, circled letters, ligatures) and accents go
through NFKD; Cyrillic, Greek, Cherokee and other look-alikes go through the Unicode
confusables table shipped by ``confusable_homoglyphs``. The table is loaded on the first
non-ASCII letter, so ASCII-only scans never pay for it.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib.resources import files

# Emoji skin tones and enclosing keycaps carry no meaning for detection.
_DROP_CATEGORIES = frozenset({"Mn", "Me"})
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


@cache
def _homoglyphs() -> dict[str, str]:
    raw = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, glyphs in raw.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            c = glyph["c"]
            # Only single ASCII letters/digits: a skeleton must stay one-to-one per char.
            if len(c) == 1 and c.isascii() and c.isalnum():
                table[char] = c.lower()
                break
    return table


@cache
def fold_char(char: str) -> str:
    """The folded form of one character (may be empty, or several characters)."""
    if char in _SKIN_TONES:
        return ""
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.category(part) in _DROP_CATEGORIES:
            continue
        if not part.isascii() and part.isalpha():
            part = _homoglyphs().get(part, part)
        out.append(part)
    return "".join(out).casefold()
