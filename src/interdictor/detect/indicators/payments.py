"""Payment handles: Cash App, Venmo and Zelle.

* cashapp: ``$cashtag`` (a letter, then letters, digits, ``_`` or ``-``; 2 to 20
  characters), ``cashapp: name``, ``cash.app/$name``; normalized ``$`` + lower-case
  name. Amounts ("$20", "$ 5") never match because a cashtag starts with a letter.
  Without a Cash App cue within a few words, all-caps tags of up to five letters are
  taken for stock tickers ("$AAPL"), and currency or coin codes ("$usd", "$btc") and
  words spelled with "$" for "s" ("$hipping", "$ale") are skipped.
* venmo: ``venmo: @name``, ``venmo.com/u/name``, ``venmo.com/name``; lower-case name.
* zelle: what follows a Zelle cue: an e-mail address (lower-case), a phone number
  (E.164) or a capitalised name of one to three words (lower-case, single-spaced).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator
from interdictor.detect.indicators.cues import STOPWORDS, cue_patterns, cued_names, mentions
from interdictor.detect.indicators.handles import HandleRecognizer
from interdictor.detect.indicators.links import SLASH, platform_links
from interdictor.detect.indicators.phone import PhoneCue
from interdictor.detect.indicators.web import find_emails

_CASHTAG_NAME = r"[A-Za-z][A-Za-z0-9_\-]{0,19}+"
_CASHTAG = re.compile(rf"(?<![\w$])\$(?P<name>{_CASHTAG_NAME})(?![A-Za-z0-9_\-])")
_CASH_APP_CUES = r"cash[^\S\n]?app|ca\$h[^\S\n]?app|cash[^\S\n]?tag"
_CASH_CUES = _CASH_APP_CUES + r"|ca\$h|cash"
_CASH_CUE = re.compile(rf"(?<![A-Za-z])(?:{_CASH_CUES})(?![A-Za-z])", re.IGNORECASE)
_CASH_LINK = re.compile(SLASH + rf"\$(?P<name>{_CASHTAG_NAME})(?![A-Za-z0-9_\-])")
_NOT_CASHTAGS = frozenset(
    {
        "usd", "mxn", "cad", "eur", "gbp", "aud", "btc", "eth", "xmr", "ltc", "usdt", "usdc", "trx", "sol",
        "doge", "bnb", "each", "ea", "obo", "k",
    }
)  # fmt: skip
# "$" stands in for "s" in evasive spelling ("$hipping", "for $ale"): not cashtags without a cue.
_DOLLAR_S_WORDS = frozenset(
    {
        "ale", "ales", "ell", "elling", "eller", "ellers", "end", "hip", "hipping", "hipped", "ervice",
        "ervices", "tuff", "moke", "ome", "ee", "tock", "tocked", "tacks", "till", "pecial", "treet", "tore",
        "hop", "upply", "upplier", "ativa", "hrooms", "now", "peed", "cript", "cripts", "trong", "uper",
        "afe", "ecure", "erious", "ame", "ource", "mall", "ample", "amples",
    }
)  # fmt: skip
_CUE_WINDOW = 40


class CashAppRecognizer:
    """``cashapp`` cashtags."""

    types: tuple[str, ...] = ("cashapp",)

    def __init__(self) -> None:
        self._patterns = cue_patterns(_CASH_APP_CUES, _CASHTAG_NAME, r"\$")

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for link in platform_links(text):
            if link.site in ("cash.app", "cash.me") and link.path:
                m = _CASH_LINK.match(link.path)
                if m is not None and len(m.group("name")) >= 2:
                    end = link.path_start + m.end()
                    found.append(indicator("cashapp", text, link.start, end, "$" + m.group("name").lower()))
        if "$" in text:
            for m in _CASHTAG.finditer(text):
                name = m.group("name").rstrip("_-")
                if len(name) >= 2 and (_cued(text, m.start(), m.end()) or _not_ticker(name)):
                    end = m.start() + 1 + len(name)
                    found.append(indicator("cashapp", text, m.start(), end, "$" + name.lower()))
        if not mentions(text, ("cash", "ca$h")):
            return found
        for cued in cued_names(text, self._patterns, trim="_-"):
            if len(cued.name) >= 2:
                found.append(indicator("cashapp", text, cued.start, cued.end, "$" + cued.name.lower()))
        return found


def _cued(text: str, start: int, end: int) -> bool:
    """Whether Cash App is named within a few words of a cashtag."""
    return bool(
        _CASH_CUE.search(text, max(0, start - _CUE_WINDOW), start)
        or _CASH_CUE.search(text, end, end + _CUE_WINDOW)
    )


def _not_ticker(name: str) -> bool:
    if name.lower() in _NOT_CASHTAGS or name.lower() in _DOLLAR_S_WORDS:
        return False
    return not (name.isalpha() and name.isupper() and len(name) <= 5)


_VENMO_PAGES = frozenset(
    {
        "about", "legal", "signup", "login", "account", "business", "pay", "code", "resources",
        "security", "privacy", "terms", "contact", "support", "developer", "developers", "careers",
    }
)  # fmt: skip


def venmo() -> HandleRecognizer:
    """Venmo usernames after a cue or in venmo.com links."""
    return HandleRecognizer(
        "venmo",
        cues=r"venmo|vnmo|venm0",
        hints=("venmo", "vnmo", "venm0"),
        name=r"[A-Za-z0-9][A-Za-z0-9_\-]{4,29}+",
        hosts=frozenset({"venmo.com"}),
        link_path=SLASH + r"(?:u/)?(?P<name>[A-Za-z0-9][A-Za-z0-9_\-]{4,29}+)(?![A-Za-z0-9_\-])",
        reserved=_VENMO_PAGES,
        trim="_-",
    )


_ZELLE_CUES = r"zelle|zele"
_ZELLE = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_ZELLE_CUES})(?![A-Za-z0-9])"
    r"(?P<gap>[^\S\n]{0,3}+(?:(?:me|is|es|pay|payment|pago|name|nombre|email|correo|acct|account|id)[^\S\n]{1,3}+)?"
    r"(?P<sep>[:=>\-\u2013\u2014\u2192]{1,2}+|(?:to|a|al|at)(?![A-Za-z]))?[^\S\n]{0,3}+)",
    re.IGNORECASE,
)
_PERSON = re.compile(r"[A-Z][a-z'\u2019\-]+(?:[^\S\n]{1,3}[A-Z][a-z'\u2019\-]+){0,2}+(?![A-Za-z])")


class ZelleRecognizer:
    """``zelle`` recipients: e-mail, phone or name after a Zelle cue."""

    types: tuple[str, ...] = ("zelle",)

    def __init__(self) -> None:
        self._phones = PhoneCue(_ZELLE_CUES)

    def find(self, text: str) -> Iterable[Indicator]:
        if not mentions(text, ("zel",)):
            return []
        found = [indicator("zelle", text, p.start, p.end, p.e164) for p in self._phones.phones(text)]
        emails = {e.start: e for e in find_emails(text)}
        for m in _ZELLE.finditer(text):
            email = emails.get(m.end())
            if email is not None:
                found.append(indicator("zelle", text, email.start, email.end, email.address))
                continue
            person = _PERSON.match(text, m.end()) if m.group("sep") else None
            if person is not None and person.group().split()[0].lower() not in STOPWORDS:
                name = " ".join(person.group().split()).lower()
                found.append(indicator("zelle", text, person.start(), person.end(), name))
        return found
