"""Phone numbers, including the obfuscated ways sellers write them.

A candidate is a run of digit groups and spelled-out digits (English and Spanish)
joined by spaces, dots, dashes, slashes or brackets: ``(520) 555-0199``,
``five two zero 555 0199``, ``cinco cinco 1234 5678``, ``52O 555 O199`` (letter O
for zero, only inside a digit group); full-width and keycap-emoji digits count too.
Within a run, the longest window of groups that ``phonenumbers`` accepts as a *valid*
number (US first, then MX, or MX first when the grouping or the wording is Mexican; any
country after an explicit ``+``) becomes a phone, normalized to E.164. Old Mexican
mobile numbers written ``+52 1 ...`` are normalized without the ``1``.

Prices, quantities, order numbers and pill codes are kept out by context: no number is
read next to a currency sign, ``#`` or an order/tracking word, or right before a unit
("30mg", "500 pills"), or when the groups are round numbers ("250 500 1000"), a date
("2024-05-12 14"), an IP address or decimals ("19.99 29.99"), unless a phone cue
("call", "text", "whatsapp", "cel", ...) comes just before it. A digit group longer
than 15 digits is never cut into a phone, and a post yielding more than
``_MAX_PARSES`` candidate windows is not searched further (a phone book is not a post).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import phonenumbers

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator
from interdictor.detect.indicators.cues import gap_then

_ENGLISH = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPANISH = {
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
    "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
_WORD_DIGITS = {**_ENGLISH, **_SPANISH}
_WEAK_WORDS = frozenset({"oh"})  # "oh" is zero only between other digits
_WORD_ALT = "|".join(sorted(_WORD_DIGITS, key=len, reverse=True))

_FULLWIDTH = str.maketrans("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "0123456789")
_DIGIT = "0-9\uff10-\uff19"
_KEYCAP = "\ufe0f\u20e3"
_TOKEN = rf"(?:[Oo]{{0,2}}[{_DIGIT}][{_DIGIT}Oo]*+(?![A-Za-z%])|(?i:{_WORD_ALT})(?![A-Za-z]))"
# Keycap emoji digits ("5\ufe0f\u20e3") leave their variation selector and keycap mark between digits.
_SEP = r"[ \t\u00a0.\-\u2010-\u2015/()_*\ufe0f\u20e3]{1,4}+"
_RUN = re.compile(rf"(?<![\w$#€£¥/=&?@+.,%])(?P<plus>\+[^\S\n]?)?\(?{_TOKEN}(?:{_SEP}{_TOKEN})*+")
_TOKEN_RE = re.compile(_TOKEN)
_NUMBER_WORD = re.compile(rf"(?<![A-Za-z])(?:{_WORD_ALT})(?![A-Za-z])", re.IGNORECASE)

_PHONE_CUES = (
    r"call|text|txt|phone|tel|telf|tlf|cell|cel|celular|mobile|mob|m[oó]vil|whats[^\S\n]?app|wsp|wa"
    r"|signal|sms|llama|llamar|marca|marcar|n[uú]mero|num|contact|contacto|hmu|hit[^\S\n]me"
    r"|\U0001F4DE|\u260E\uFE0F?|\U0001F4F1"
)
_CUE_TAIL = r"[^A-Za-z0-9\n]{0,4}(?:(?:me|at|on|al|a|es|is|number|num|no|mi|my)[^A-Za-z0-9\n]{1,4}){0,2}$"
_PHONE_CUE = re.compile(rf"(?<![A-Za-z])(?:{_PHONE_CUES})(?![A-Za-z]){_CUE_TAIL}", re.IGNORECASE)
_SPANISH_CUE = re.compile(
    rf"(?<![A-Za-z])(?:llama|llamar|marca|marcar|n[uú]mero|cel|celular|m[oó]vil|wsp|contacto)"
    rf"(?![A-Za-z]){_CUE_TAIL}",
    re.IGNORECASE,
)
_BAD_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:order|ord|invoice|inv|tracking|track|ref|sku|lot|batch|acct|account|card|zip"
    r"|cp|code|c[oó]digo|pedido|folio|gu[ií]a|id|no|n[º°o])[^A-Za-z0-9\n]{0,3}$|[#$€£¥][^\S\n]?$",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"[^\S\n]?(?:mg|mcg|ug|µg|g|gr|grams?|gramos|oz|lbs?|kg|kilos?|ml|pcs|pieces|pills?|pastillas"
    r"|tabs?|tablets?|bars?|units?|usd|mxn|dollars?|d[oó]lares|pesos|bucks|k|x|each|ea|ct|count)"
    r"(?![A-Za-z])|[^\S\n]?[%$€]",
    re.IGNORECASE,
)

_CONTEXT = 32  # characters looked at before a number for cues
_MAX_TOKENS = 40  # a longer run of numbers is a table, not a phone number
_MAX_PARSES = 1000
_MAX_DIGITS = 15  # E.164 maximum
_NATIONAL_DIGITS = (10, 13)  # US/MX national numbers, with "1", "52" or "521" in front


@dataclass(frozen=True, slots=True)
class PhoneSpan:
    """A phone number found in text: offsets and its E.164 form."""

    start: int
    end: int
    e164: str


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    digits: str
    word: bool  # a spelled-out digit
    weak: bool
    spanish: bool


class PhoneRecognizer:
    """``phone`` indicators."""

    types: tuple[str, ...] = ("phone",)

    def find(self, text: str) -> Iterable[Indicator]:
        return [indicator("phone", text, p.start, p.end, p.e164) for p in find_phone_numbers(text)]


class PhoneCue:
    """Phone numbers written right after (or right before) a platform cue."""

    def __init__(self, cues: str) -> None:
        self._presence = re.compile(rf"(?<![A-Za-z0-9])(?:{cues})(?![A-Za-z0-9])", re.IGNORECASE)
        self._forward = gap_then(cues)
        self._reverse = re.compile(
            r"[^\S\n]{0,3}+(?:(?:on|via|en|por|in|at)[^\S\n]{1,3}+|[(\[\-\u2013\u2014|:/][^\S\n]{0,3}+)?"
            rf"(?:{cues})(?![A-Za-z0-9])",
            re.IGNORECASE,
        )

    def phones(self, text: str) -> list[PhoneSpan]:
        spans = find_phone_numbers(text)
        if not spans or not self._presence.search(text):
            return []
        by_start = {p.start: p for p in spans}
        found: dict[int, PhoneSpan] = {}
        for m in self._forward.finditer(text):
            # The gap may have swallowed the "(" that opens "(520) 555-0199".
            for start in (m.end(), m.end() - 1):
                if start in by_start:
                    found[start] = by_start[start]
                    break
        for p in spans:
            if self._reverse.match(text, p.end):
                found[p.start] = p
        return [found[s] for s in sorted(found)]


def e164(digits: str, region: str | None) -> str | None:
    """E.164 form of a *valid* number (``region`` None: ``digits`` include the country code)."""
    return _e164(digits, region, True)


def e164_possible(digits: str) -> str | None:
    """E.164 form of a full international number that is at least possible (for explicit links)."""
    return _e164(digits, None, False)


@lru_cache(maxsize=4096)
def _e164(digits: str, region: str | None, strict: bool) -> str | None:
    try:
        number = phonenumbers.parse(digits if region else "+" + digits, region)
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        number = phonenumbers.PhoneNumber(country_code=52, national_number=int(national[1:]))
    ok = phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None


@lru_cache(maxsize=2)
def find_phone_numbers(text: str) -> tuple[PhoneSpan, ...]:
    """Phone numbers in ``text`` (cached: the messaging and payment recognizers ask too)."""
    if not _enough_digits(text):
        return ()
    budget = [_MAX_PARSES]
    found: list[PhoneSpan] = []
    for run in _RUN.finditer(text):
        if budget[0] <= 0:
            break
        found.extend(_numbers_in_run(text, run, budget))
    return tuple(found)


def _enough_digits(text: str) -> bool:
    digits = sum(map(text.count, "0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"))
    if digits >= 7:
        return True
    lowered = text.lower()
    # Substring counts over-count ("one" in "money"), so they can only rule a post out.
    if digits + sum(map(lowered.count, _WORD_DIGITS)) < 7:
        return False
    for _ in _NUMBER_WORD.finditer(text):
        digits += 1
        if digits >= 7:
            return True
    return False


def _tokens(text: str, run: re.Match[str]) -> list[_Token] | None:
    """The run's digit groups and digit words; None for a run too long to be one phone number."""
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(text, run.start(), run.end()):
        if len(tokens) == _MAX_TOKENS:
            return None
        word = m.group().lower()
        if word in _WORD_DIGITS:
            digit, weak, spanish = _WORD_DIGITS[word], word in _WEAK_WORDS, word in _SPANISH
            tokens.append(_Token(m.start(), m.end(), digit, True, weak, spanish))
        else:
            digits = word.replace("o", "0").translate(_FULLWIDTH)
            tokens.append(_Token(m.start(), m.end(), digits, False, False, False))
    return tokens


def _numbers_in_run(text: str, run: re.Match[str], budget: list[int]) -> Iterator[PhoneSpan]:
    tokens = _tokens(text, run)
    if tokens is None or sum(len(t.digits) for t in tokens) < 7:
        return
    has_plus = run.group("plus") is not None
    i = 0
    while i < len(tokens) and budget[0] > 0:
        found = None
        if not tokens[i].weak:
            found = _longest_number(text, tokens, i, has_plus and i == 0, budget)
        if found is None:
            i += 1
            continue
        j, number = found
        start = run.start() if i == 0 else tokens[i].start
        if i > 0 and text[start - 1] == "(":
            start -= 1
        end = tokens[j].end
        while end < len(text) and text[end] in _KEYCAP:
            end += 1
        if _plausible(text, tokens[i : j + 1], start, end):
            yield PhoneSpan(start, end, number)
        i = j + 1


def _longest_number(
    text: str, tokens: list[_Token], i: int, with_plus: bool, budget: list[int]
) -> tuple[int, str] | None:
    """The longest window of tokens from ``i`` that is a valid number, and its E.164 form."""
    ends = []
    total = 0
    for j in range(i, len(tokens)):
        total += len(tokens[j].digits)
        if total > _MAX_DIGITS:
            break
        if not tokens[j].weak:
            ends.append((j, total))
    if not ends:
        return None
    window = tokens[i : ends[-1][0] + 1]
    regions = _regions(text, window)
    for j, total in reversed(ends):
        if not with_plus and not _NATIONAL_DIGITS[0] <= total <= _NATIONAL_DIGITS[1]:
            continue
        if with_plus and total < 8:
            continue
        digits = "".join(t.digits for t in tokens[i : j + 1])
        for region in (None,) if with_plus else regions:
            if region is not None and not _fits(digits, region):
                continue
            budget[0] -= 1
            number = e164(digits, region)
            if number is not None:
                return j, number
    return None


def _regions(text: str, window: list[_Token]) -> tuple[str, str]:
    """US first, unless the wording is Spanish or the number opens with a two-digit group
    ("55 1234 5678", "55 12 34 56 78"), which US numbers never do."""
    start = window[0].start
    if (
        (len(window[0].digits) == 2 and not window[0].word)
        or any(t.spanish for t in window)
        or _SPANISH_CUE.search(text, max(0, start - _CONTEXT), start)
    ):
        return ("MX", "US")
    return ("US", "MX")


def _fits(digits: str, region: str) -> bool:
    """Cheap shape check before asking ``phonenumbers`` (which costs tens of microseconds)."""
    if region == "US":
        national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
        return len(national) == 10 and national[0] in "23456789" and national[3] in "23456789"
    if len(digits) == 10:
        return digits[0] not in "01"
    return (len(digits) == 12 and digits.startswith("52")) or (len(digits) == 13 and digits.startswith("521"))


def _plausible(text: str, window: list[_Token], start: int, end: int) -> bool:
    if _PHONE_CUE.search(text, max(0, start - _CONTEXT), start):
        return True
    if _BAD_BEFORE.search(text, max(0, start - 16), start) or _UNIT_AFTER.match(text, end):
        return False
    digit_groups = [t.digits for t in window if not t.weak and not t.word]
    if len(digit_groups) < 2:
        return True
    if all(g.endswith("0") for g in digit_groups) or _looks_like_date(digit_groups):
        return False
    separators = {text[a.end : b.start] for a, b in pairwise(window)}
    if any("." in s for s in separators):
        # "19.99 29.99 39.99": dots mixed with other separators are decimal points.
        if len(separators) > 1:
            return False
        # "205.214.42.66" is an IP address.
        if len(digit_groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in digit_groups):
            return False
    return True


def _looks_like_date(groups: list[str]) -> bool:
    """2024-05-12 14..., 12/05/2023 ...: a year next to one- or two-digit groups."""

    def year(group: str) -> bool:
        return len(group) == 4 and group[:2] in ("19", "20")

    if year(groups[0]) and len(groups[1]) <= 2:
        return True
    return len(groups) > 2 and len(groups[0]) <= 2 and len(groups[1]) <= 2 and year(groups[2])
