"""The evasions the normalizer undoes, applied on purpose, and word padding, which it
cannot undo.

Used to augment training data so the model sees disguised posts, and to build evaded
copies of test posts to measure how much recall evasion costs. Padding (blocks of
unrelated words, the "hash-buster" of bulk spam) is for training only: the model must
learn that a sale stays a sale when buried in filler.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_LEET_SYMBOL = {"a": "@", "s": "$", "i": "!"}
_HOMOGLYPH = {
    "a": "\u0430",
    "c": "\u0441",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "x": "\u0445",
    "y": "\u0443",
    "i": "\u0456",
    "s": "\u0455",
}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
_SEPARATORS = (" ", ".", "-", " : ", "*")
_WORD = re.compile(r"[^\W\d_]{4,}")

EVASIONS = ("leet", "spacing", "homoglyph", "zero_width", "repeat", "fullwidth")


def _leet(word: str, rng: random.Random) -> str:
    table = _LEET_SYMBOL if rng.random() < 0.3 else _LEET
    return "".join(table.get(c.lower(), c) if rng.random() < 0.6 else c for c in word)


def _spacing(word: str, rng: random.Random) -> str:
    return rng.choice(_SEPARATORS).join(word)


def _homoglyph(word: str, rng: random.Random) -> str:
    return "".join(_HOMOGLYPH.get(c, c) if rng.random() < 0.7 else c for c in word)


def _zero_width(word: str, rng: random.Random) -> str:
    return rng.choice(_ZERO_WIDTH).join(word)


def _repeat(word: str, rng: random.Random) -> str:
    k = rng.randrange(len(word))
    return word[:k] + word[k] * rng.randint(3, 5) + word[k + 1 :]


def _fullwidth(word: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


_APPLY = {
    "leet": _leet,
    "spacing": _spacing,
    "homoglyph": _homoglyph,
    "zero_width": _zero_width,
    "repeat": _repeat,
    "fullwidth": _fullwidth,
}


def evade(text: str, rng: random.Random, kind: str | None = None, share: float = 0.5) -> str:
    """Disguise about ``share`` of the words of four or more letters with one evasion
    (``kind``, or one chosen at random per word)."""

    def swap(m: re.Match[str]) -> str:
        if rng.random() >= share:
            return m.group()
        return _APPLY[kind or rng.choice(EVASIONS)](m.group(), rng)

    return _WORD.sub(swap, text)


def pad(text: str, rng: random.Random, vocabulary: Sequence[str], blocks: int = 3, words: int = 15) -> str:
    """Insert one to ``blocks`` runs of 3 to ``words`` words drawn from ``vocabulary`` at
    word boundaries."""
    tokens = text.split(" ")
    for _ in range(rng.randint(1, blocks)):
        k = rng.randrange(len(tokens) + 1)
        tokens[k:k] = rng.choices(vocabulary, k=rng.randint(3, words))
    return " ".join(tokens)
