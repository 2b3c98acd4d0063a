"""Shared pieces for "cue + handle" patterns such as ``telegram: @plug`` or ``wickr me plugman``.

A cue is a word naming a platform; the handle follows after a short gap of spaces,
punctuation and filler words ("me", "id", "is", ...). Because cue words are also
ordinary words ("tele" is Spanish for TV, "snap" is a verb), a handle without a sigil
(``@``, ``$``) only counts after an explicit separator (``:``, ``-``, ``=``, ``>``...),
unless the platform is ``loose`` (its cue word is unambiguous, e.g. "wickr"). Commas,
full stops, other emoji ("✈️🚐 reserva") and a hyphen inside a word ("tele-seminar") are
not separators.
All quantifiers that can meet long runs of text are possessive or bounded, so the
patterns stay linear on adversarial input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# Anything but a letter, digit, line break or sigil: spaces, ":", "-", arrows, "👉"...
_GAP = r"[^\w\n@$]"
_SEPARATORS = frozenset(":=>|~-\u2013\u2014\u2192\u27a1\u2b07\U0001f447\U0001f449")
_FILLER = r"(?:me|id|at|on|is|es|en|al|via|user(?:name)?|handle|name|account|acc|add)"

# Words that follow a cue in ordinary sentences ("telegram: link in bio") and are not handles.
STOPWORDS: frozenset[str] = frozenset(
    {
        "only", "link", "links", "bio", "below", "above", "here", "there", "same", "dm", "dms", "inbox",
        "available", "channel", "group", "me", "us", "my", "the", "and", "or", "for", "to", "is", "at", "on",
        "in", "info", "details", "contact", "message", "msg", "text", "call", "now", "today", "please", "pls",
        "plz", "accepted", "accept", "ok", "yes", "no", "username", "user", "id", "handle", "name", "account",
        "acc", "add", "via", "pm", "private", "serious", "buyers", "buyer", "sellers", "seller", "vendor",
        "telegram", "tele", "whatsapp", "signal", "wickr", "snapchat", "snap", "instagram", "insta", "venmo",
        "cashapp", "cash", "zelle", "threema", "session", "email", "mail", "phone", "number", "solo", "aqui",
        "enlace", "privado", "mensaje", "fast", "free", "shipping", "discreet", "delivery", "payment",
        "payments",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CuedName:
    """A handle found after (or before) a platform cue."""

    start: int  # at the sigil when the handle is written with one ("@name", "$name")
    end: int
    name: str


@lru_cache(maxsize=2)
def _lowered(text: str) -> str:
    return text.lower()


def mentions(text: str, hints: tuple[str, ...]) -> bool:
    """Whether ``text`` contains any of the lower-case ``hints``: a substring test that lets a
    recognizer skip its regular expressions on the many posts that never name its platform."""
    lowered = _lowered(text)
    return any(hint in lowered for hint in hints)


def cue_patterns(cues: str, name: str, sigil: str = "@") -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Compile ``CUE gap [sigil]NAME`` and the reversed ``@NAME on CUE`` patterns."""
    forward = re.compile(
        rf"(?<![A-Za-z0-9])(?:{cues})(?![A-Za-z0-9])"
        rf"(?P<gap>{_GAP}{{0,8}}+(?:{_FILLER}{_GAP}{{1,8}}+){{0,2}})"
        rf"(?P<sigil>{sigil}[^\S\n]?)?(?P<name>{name})(?![A-Za-z0-9_])",
        re.IGNORECASE,
    )
    reverse = re.compile(
        rf"(?<![\w@$])(?P<sigil>{sigil})(?P<name>{name})(?![A-Za-z0-9_])[^\S\n]{{0,3}}+"
        rf"(?:(?:on|via|en|por|in|at)[^\S\n]{{1,3}}+|[(\[\-\u2013\u2014|:][^\S\n]{{0,3}}+)?"
        rf"(?:{cues})(?![A-Za-z0-9])",
        re.IGNORECASE,
    )
    return forward, reverse


def cued_names(
    text: str,
    patterns: tuple[re.Pattern[str], re.Pattern[str]],
    *,
    loose: bool = False,
    trim: str = "",
) -> Iterator[CuedName]:
    """Handles next to a platform cue; ``trim`` lists characters a handle cannot end with."""
    forward, reverse = patterns
    for m in forward.finditer(text):
        has_sigil = m.group("sigil") is not None
        if not (has_sigil or loose or _explicit(m.group("gap"))):
            continue
        found = _named(m, trim, has_sigil)
        if found is not None:
            yield found
    for m in reverse.finditer(text):
        found = _named(m, trim, True)
        if found is not None:
            yield found


def _explicit(gap: str) -> bool:
    """Whether the gap holds a separator that introduces a handle (":", " - ", "=", "👉"...);
    a bare hyphen joins words ("tele-seminar") instead."""
    if gap == "-":
        return False
    return not _SEPARATORS.isdisjoint(gap)


def _named(m: re.Match[str], trim: str, has_sigil: bool) -> CuedName | None:
    name = m.group("name").rstrip(trim) if trim else m.group("name")
    if not name or (not has_sigil and name.lower() in STOPWORDS):
        return None
    start = m.start("sigil") if has_sigil else m.start("name")
    return CuedName(start, m.start("name") + len(name), name)


def gap_then(cues: str) -> re.Pattern[str]:
    """``CUE gap`` where the gap may hold filler and platform words ("whatsapp/telegram: ")."""
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:{cues})(?![A-Za-z0-9])"
        rf"[^\w\n+]{{0,10}}+"
        rf"(?:(?:{_FILLER}|number|num|no|numero|n[uú]mero|or|o|and|y|tel|cel|telegram|tg|signal"
        rf"|text|call|sms|whatsapp|wsp|wa)[^\w\n+]{{1,10}}+){{0,3}}",
        re.IGNORECASE,
    )
