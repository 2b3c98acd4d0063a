"""Messaging handles: Telegram, WhatsApp, Signal, Wickr, Snapchat, Instagram, Session, Threema.

Each platform is found two ways: links to its own hosts (read from the shared link
scan, so ``t dot me / name`` and ``t[.]me/name`` work) and handles written after a cue
word (``tele: @plug``, ``wickr me plugman``, ``@plug on telegram``). Normalized forms:

* telegram: lower-case username without ``@``; invite links (``t.me/+HASH``,
  ``t.me/joinchat/HASH``) become ``https://t.me/+HASH`` (hashes are case-sensitive);
  a ``t.me/+<digits>`` phone link becomes the E.164 number (and a ``phone`` indicator).
* whatsapp: the E.164 number (``wa.me/NUMBER``, ``api.whatsapp.com/send?phone=``, or a
  phone written just after or before a WhatsApp cue, which also stays a ``phone``), or
  ``https://chat.whatsapp.com/CODE`` for group invites.
* signal: the E.164 number (``signal.me/#p/+NUMBER`` or a phone after a Signal cue),
  the lower-case username (``name.01``), or the canonical ``signal.me``/``signal.group``
  link for username and group links.
* wickr, snapchat, instagram: lower-case username.
* session: the 66-hex Session ID, lower-case. threema: the 8-character ID, upper-case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator
from interdictor.detect.indicators.cues import cue_patterns, cued_names, mentions
from interdictor.detect.indicators.links import SLASH, Link, platform_links
from interdictor.detect.indicators.phone import PhoneCue, e164_possible


def _links(text: str, hosts: frozenset[str]) -> Iterator[Link]:
    """Links to ``hosts`` or one of their subdomains (``chat.whatsapp.com``, ``account.venmo.com``)."""
    for link in platform_links(text):
        if link.site in hosts or link.site.partition(".")[2] in hosts:
            yield link


def _path_match(pattern: re.Pattern[str], link: Link) -> re.Match[str] | None:
    return pattern.match(link.path) if link.path else None


def _number_link(kind: str, text: str, link: Link, m: re.Match[str], group: str) -> list[Indicator]:
    """A phone number inside a platform link (wa.me/…, signal.me/#p/…, t.me/+…): the
    platform indicator for the link and a ``phone`` for the number itself."""
    number = e164_possible(m.group(group))
    if number is None:
        return []
    end = link.path_start + m.end()
    return [
        indicator(kind, text, link.start, end, number),
        indicator("phone", text, link.path_start + m.start(group), end, number),
    ]


def _has_letter(name: str) -> bool:
    return any(c.isalpha() for c in name)


class HandleRecognizer:
    """A platform whose handles are usernames (normalized lower-case): cue + name, and profile links.

    ``link_path`` is matched against the text after the host and must capture ``name``;
    ``reserved`` lists first path segments that are site pages, not profiles.
    """

    def __init__(
        self,
        kind: str,
        *,
        cues: str,
        hints: tuple[str, ...],
        name: str,
        hosts: frozenset[str] = frozenset(),
        link_path: str = "",
        reserved: frozenset[str] = frozenset(),
        loose: bool = False,
        trim: str = "",
    ) -> None:
        self.types: tuple[str, ...] = (kind,)
        self._kind = kind
        self._patterns = cue_patterns(cues, name)
        self._hints = hints
        self._hosts = hosts
        self._link_path = re.compile(link_path, re.IGNORECASE) if link_path else None
        self._reserved = reserved
        self._loose = loose
        self._trim = trim

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        if self._link_path is not None:
            for link in _links(text, self._hosts):
                m = _path_match(self._link_path, link)
                if m is None:
                    continue
                name = m.group("name").rstrip(self._trim) if self._trim else m.group("name")
                if name and name.lower() not in self._reserved and _has_letter(name):
                    end = link.path_start + m.start("name") + len(name)
                    found.append(indicator(self._kind, text, link.start, end, name.lower()))
        if not mentions(text, self._hints):
            return found
        for cued in cued_names(text, self._patterns, loose=self._loose, trim=self._trim):
            if _has_letter(cued.name):
                found.append(indicator(self._kind, text, cued.start, cued.end, cued.name.lower()))
        return found


_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_TELEGRAM_NAME = r"[A-Za-z][A-Za-z0-9_]{3,31}+"
_TELEGRAM_PATH = re.compile(
    SLASH + r"(?:"
    r"(?P<plus>\+|joinchat/)(?P<invite>[A-Za-z0-9_\-]{7,64}+)"
    r"|(?:s/)?(?P<name>[A-Za-z][A-Za-z0-9_]{3,31}+)"
    r")(?![A-Za-z0-9_\-])"
)
_TELEGRAM_RESERVED = frozenset(
    {"addstickers", "addemoji", "addtheme", "addlist", "share", "proxy", "socks", "setlanguage",
     "login", "confirmphone", "joinchat", "invoice", "boost", "contact"}
)  # fmt: skip
# The airplane emoji is Telegram's logo and a common cue in dealer posts.
_TELEGRAM_CUES = r"telegram|telegramm|telegrm|telgram|tlgrm|tele|tg|\u2708\ufe0f?"
_TELEGRAM_HINTS = ("tele", "telg", "tlgrm", "tg", "\u2708")


class TelegramRecognizer:
    """``telegram`` handles and invite links (and ``phone`` for ``t.me/+<number>`` links)."""

    types: tuple[str, ...] = ("telegram", "phone")

    def __init__(self) -> None:
        self._patterns = cue_patterns(_TELEGRAM_CUES, _TELEGRAM_NAME)

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for link in _links(text, _TELEGRAM_HOSTS):
            m = _path_match(_TELEGRAM_PATH, link)
            if m is None:
                continue
            end = link.path_start + m.end()
            invite = m.group("invite")
            if invite is not None and m.group("plus") == "+" and invite.isdigit():
                # t.me/+<number> opens a chat with that phone number.
                found.extend(_number_link("telegram", text, link, m, "invite"))
            elif invite is not None:
                if len(invite) >= 10:
                    found.append(indicator("telegram", text, link.start, end, "https://t.me/+" + invite))
            elif m.group("name").lower() not in _TELEGRAM_RESERVED:
                found.append(indicator("telegram", text, link.start, end, m.group("name").lower()))
        if mentions(text, _TELEGRAM_HINTS):
            for cued in cued_names(text, self._patterns):
                found.append(indicator("telegram", text, cued.start, cued.end, cued.name.lower()))
        return found


_WHATSAPP_CUES = r"whats[^\S\n]?app|watsapp|wassap|guasap|wapp|whats|wsp|wpp|wa"
_WHATSAPP_NUMBER = re.compile(
    rf"(?:{SLASH}(?:send/?)?|/?\?)(?:\?phone=|phone=)?\+?(?P<number>[0-9]{{7,15}}+)(?![0-9])"
)
_WHATSAPP_INVITE = re.compile(SLASH + r"(?:invite/)?(?P<code>[A-Za-z0-9]{20,24}+)(?![A-Za-z0-9])")


class WhatsAppRecognizer:
    """``whatsapp`` numbers and group invites (and ``phone`` for ``wa.me`` links)."""

    types: tuple[str, ...] = ("whatsapp", "phone")

    def __init__(self) -> None:
        self._cue = PhoneCue(_WHATSAPP_CUES)

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for link in _links(text, frozenset({"wa.me", "whatsapp.com"})):
            if link.site == "chat.whatsapp.com":
                m = _path_match(_WHATSAPP_INVITE, link)
                if m is not None:
                    end = link.path_start + m.end()
                    invite = "https://chat.whatsapp.com/" + m.group("code")
                    found.append(indicator("whatsapp", text, link.start, end, invite))
                continue
            m = _path_match(_WHATSAPP_NUMBER, link)
            if m is not None:
                found.extend(_number_link("whatsapp", text, link, m, "number"))
        for phone in self._cue.phones(text):
            found.append(indicator("whatsapp", text, phone.start, phone.end, phone.e164))
        return found


_SIGNAL_CUES = r"signal|sgnl"
# Signal usernames are a nickname, a dot and at least two digits: "plugman.01".
_SIGNAL_USERNAME = r"[A-Za-z_][A-Za-z0-9_]{2,31}+\.[0-9]{2,9}+"
_SIGNAL_ME = re.compile(
    SLASH + r"#(?:p/\+?(?P<number>[0-9]{7,15}+)(?![0-9])|eu/(?P<eu>[A-Za-z0-9_\-+/=]{20,512}+))"
)
_SIGNAL_GROUP = re.compile(SLASH + r"#(?P<group>[A-Za-z0-9_\-+/=]{20,512}+)")


class SignalRecognizer:
    """``signal`` numbers, usernames and links (and ``phone`` for ``signal.me/#p/`` links)."""

    types: tuple[str, ...] = ("signal", "phone")

    def __init__(self) -> None:
        self._patterns = cue_patterns(_SIGNAL_CUES, _SIGNAL_USERNAME)
        self._cue = PhoneCue(_SIGNAL_CUES)

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for link in _links(text, frozenset({"signal.me", "signal.group"})):
            if link.site == "signal.group":
                m = _path_match(_SIGNAL_GROUP, link)
                if m is not None:
                    end = link.path_start + m.end()
                    group = "https://signal.group/#" + m.group("group")
                    found.append(indicator("signal", text, link.start, end, group))
                continue
            m = _path_match(_SIGNAL_ME, link)
            if m is None:
                continue
            end = link.path_start + m.end()
            if m.group("eu") is not None:
                username_link = "https://signal.me/#eu/" + m.group("eu")
                found.append(indicator("signal", text, link.start, end, username_link))
                continue
            found.extend(_number_link("signal", text, link, m, "number"))
        if mentions(text, ("signal", "sgnl")):
            for cued in cued_names(text, self._patterns, loose=True):
                found.append(indicator("signal", text, cued.start, cued.end, cued.name.lower()))
        for phone in self._cue.phones(text):
            found.append(indicator("signal", text, phone.start, phone.end, phone.e164))
        return found


_SESSION_ID = re.compile(r"(?<![0-9A-Za-z])05[0-9a-fA-F]{64}+(?![0-9A-Za-z])")


class SessionRecognizer:
    """Session messenger IDs: 66 hex characters starting ``05``; self-identifying, no cue needed."""

    types: tuple[str, ...] = ("session",)

    def find(self, text: str) -> Iterable[Indicator]:
        if "05" not in text:
            return []
        return [
            indicator("session", text, m.start(), m.end(), m.group().lower())
            for m in _SESSION_ID.finditer(text)
        ]


_THREEMA_ID = r"\*?[A-Za-z0-9]{7,8}+"
_THREEMA_PATH = re.compile(SLASH + r"(?P<id>[A-Za-z0-9*][A-Za-z0-9]{7})(?![A-Za-z0-9])")


class ThreemaRecognizer:
    """Threema IDs: eight upper-case letters or digits after a cue, or in ``threema.id/ID`` links.

    A leading ``*`` marks a gateway ID.
    """

    types: tuple[str, ...] = ("threema",)

    def __init__(self) -> None:
        self._patterns = cue_patterns(r"threema|3ma", _THREEMA_ID)

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for link in _links(text, frozenset({"threema.id"})):
            m = _path_match(_THREEMA_PATH, link)
            if m is not None:
                end = link.path_start + m.end()
                found.append(indicator("threema", text, link.start, end, m.group("id").upper()))
        if not mentions(text, ("threema", "3ma")):
            return found
        for cued in cued_names(text, self._patterns, loose=True):
            if len(cued.name) == 8 and cued.name == cued.name.upper():
                found.append(indicator("threema", text, cued.start, cued.end, cued.name.upper()))
        return found


def wickr() -> HandleRecognizer:
    """Wickr IDs after a cue ("wickr: name", "wickr me name"); the cue word is unambiguous."""
    return HandleRecognizer(
        "wickr",
        cues=r"wickr[^\S\n]?me|wickr|wikr|wickar",
        hints=("wickr", "wikr", "wickar"),
        name=r"[A-Za-z0-9][A-Za-z0-9_.\-]{2,31}+",
        loose=True,
        trim="._-",
    )


def snapchat() -> HandleRecognizer:
    """Snapchat usernames after a cue (the ghost emoji is Snapchat's logo) or in snapchat.com/add/ links."""
    return HandleRecognizer(
        "snapchat",
        cues=r"snapchat|snap[^\S\n]chat|snap|sc|\U0001F47B",
        hints=("snap", "sc", "\U0001f47b"),
        name=r"[A-Za-z][A-Za-z0-9._\-]{2,14}+",
        hosts=frozenset({"snapchat.com"}),
        link_path=SLASH + r"(?:add/|@)(?P<name>[A-Za-z][A-Za-z0-9._\-]{2,14}+)(?![A-Za-z0-9._\-])",
        trim="._-",
    )


_INSTAGRAM_PAGES = frozenset(
    {
        "p", "reel", "reels", "tv", "explore", "accounts", "stories", "direct", "about", "developer",
        "legal", "web", "challenge", "privacy", "terms",
    }
)  # fmt: skip


def instagram() -> HandleRecognizer:
    """Instagram usernames after a cue or in instagram.com/NAME links."""
    return HandleRecognizer(
        "instagram",
        cues=r"instagram|insta[^\S\n]gram|insta|ig",
        hints=("insta", "ig"),
        name=r"[A-Za-z0-9_][A-Za-z0-9._]{1,29}+",
        hosts=frozenset({"instagram.com", "instagr.am"}),
        link_path=SLASH + r"(?:stories/)?(?P<name>[A-Za-z0-9_][A-Za-z0-9._]{0,29}+)(?![A-Za-z0-9._])",
        reserved=_INSTAGRAM_PAGES,
        trim=".",
    )
