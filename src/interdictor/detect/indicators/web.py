"""E-mail addresses, URLs and domains.

* email: ``name@host.tld`` and the obfuscated ``name (at) gmail (dot) com``,
  ``name[at]mail[.]com``, ``name at protonmail dot com``; normalized lower-case. The
  bare-word form ("name at host") needs an obfuscated dot or a well-known mail
  provider, so "look at example.com" is not read as an address.
* url: ``http(s)://``, ``hxxp(s)://``, ``www.`` and bare hosts, including defanged dots
  (``example[.]com``, ``example dot com``) and onion services (16-character v2, and
  56-character v3 whose built-in checksum must verify). Normalized
  ``scheme://host[:port]/path`` with the scheme lower-cased (``hxxp`` read as ``http``,
  ``http`` assumed when missing), the host de-obfuscated and lower-cased, and ``/`` as
  the empty path.
* domain: every url also yields the registrable domain of its host (``example.co.uk``,
  ``user.github.io`` as the Public Suffix List's private section has it); for onion
  services the onion address itself. An IP address host counts only after an explicit
  scheme and yields a url but no domain.

Consistency rules: an e-mail's host is not also a url/domain, and links to messaging or
payment platforms (``t.me``, ``wa.me``, ``instagram.com``...; see
:data:`~interdictor.detect.indicators.links.PLATFORM_DOMAINS`) are that platform's
indicator only. Suffixes come from ``tldextract``'s bundled Public Suffix List snapshot,
with no network access and no cache on disk.

So that prose does not turn into domains, a bare host (no scheme, no ``www.``, no path,
no bracketed dot) must end in a common TLD or a two-letter country code, written all
lower-case or all upper-case ("pills.Now" is a missing space); must not start with a
function word ("it.is"); and must not look like a file name ("setup.py", "notes.md").
A host written with the word "dot" must end in a common TLD.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b32decode
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import tldextract

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator
from interdictor.detect.indicators.links import (
    HOST,
    IPV4,
    PLATFORM_DOMAINS,
    Link,
    deobfuscate_host,
    find_links,
)

_AT = r"(?P<at>@|[^\S\n]?[\[({<][^\S\n]?(?:at|@)[^\S\n]?[\])}>][^\S\n]?|(?P<word_at>[^\S\n]+at[^\S\n]+))"
_EMAIL = re.compile(
    rf"(?<![\w.%+\-@])(?P<local>[A-Za-z0-9._%+\-]{{1,64}}+){_AT}(?P<host>{HOST})(?![A-Za-z0-9\-])",
    re.IGNORECASE,
)
_AT_HINT = re.compile(r"[^\S\n]at[^\S\n]|[\[({<][^\S\n]?at[^\S\n]?[\])}>]", re.IGNORECASE)
_MAIL_PROVIDERS = frozenset(
    {
        "gmail.com", "googlemail.com", "protonmail.com", "proton.me", "pm.me", "yahoo.com", "hotmail.com",
        "outlook.com", "live.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.net", "mail.com",
        "yandex.com", "yandex.ru", "mail.ru", "tutanota.com", "tuta.io", "tutamail.com", "cock.li",
        "onionmail.org", "dnmx.org", "guerrillamail.com", "msn.com", "ymail.com",
    }
)  # fmt: skip
# Words that precede " at " in prose ("look at", "me at").
_PROSE_LOCAL = frozenset(
    {
        "me", "us", "him", "her", "them", "it", "you", "we", "i", "site", "look", "here", "there", "this",
        "that", "is", "was", "are", "be", "store", "shop", "meet", "see", "call", "text", "home", "work",
        "school",
    }
)  # fmt: skip
# Hosts written "example dot com" must end in one of these (a bare host may also end in any
# two-letter country code): "Vivelle Dot is" is a drug name, not vivelle.is.
_COMMON_TLDS = frozenset(
    {
        "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "shop", "store",
        "online", "site", "xyz", "app", "top", "club", "live", "onion", "io", "co", "me", "ly", "cc", "ws",
        "su", "ru", "to", "mx", "us", "uk", "ca", "de", "nl", "fr", "es", "eu",
    }
)  # fmt: skip
_FILE_LIKE_TLDS = frozenset(
    {
        "py", "sh", "md", "rs", "zip", "mov", "pm", "ps", "so", "tf", "bz",
    }
)  # fmt: skip
_PROSE_SLD = frozenset(
    {
        "it", "is", "to", "go", "up", "so", "me", "do", "be", "no", "in", "on", "at", "of", "or", "an", "a",
        "i", "and", "the", "this", "that",
    }
)  # fmt: skip
_ONION_V3_VERSION = 3


@lru_cache(maxsize=1)
def suffix_extractor() -> tldextract.TLDExtract:
    """``tldextract`` on its bundled snapshot: no suffix-list download, no disk cache."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@dataclass(frozen=True, slots=True)
class _Host:
    registrable: str
    suffix: str
    onion: bool


@lru_cache(maxsize=4096)
def _host_info(host: str) -> _Host | None:
    """Registrable domain and public suffix of ``host``, or None if it is not a real domain."""
    if len(host) > 253 or any(not label or label[0] == "-" or label[-1] == "-" for label in host.split(".")):
        return None
    if host.endswith(".onion"):
        name = host.rsplit(".", 2)[-2]
        return _Host(name + ".onion", "onion", True) if _valid_onion(name) else None
    parts = suffix_extractor()(host)
    if not parts.suffix or not parts.domain:
        # "github.io" itself is a private suffix: fall back to the ICANN reading.
        parts = suffix_extractor()(host, include_psl_private_domains=False)
        if not parts.suffix or not parts.domain:
            return None
    if not any(c.isalpha() for c in parts.domain):
        return None  # "5.5mg", "2.ml"
    return _Host(parts.top_domain_under_public_suffix, parts.suffix, False)


def _valid_onion(name: str) -> bool:
    """v2 (16 base32 chars) or v3 (56 chars: key, 2-byte checksum, version 3)."""
    if len(name) == 16:
        return all(c in "abcdefghijklmnopqrstuvwxyz234567" for c in name)
    if len(name) != 56:
        return False
    try:
        raw = b32decode(name.upper())
    except ValueError:
        return False
    key, checksum, version = raw[:32], raw[32:34], raw[34]
    digest = hashlib.sha3_256(b".onion checksum" + key + bytes([version])).digest()
    return version == _ONION_V3_VERSION and digest[:2] == checksum


@dataclass(frozen=True, slots=True)
class EmailSpan:
    """An e-mail address found in text."""

    start: int
    end: int
    address: str  # normalized, lower-case


@lru_cache(maxsize=2)
def find_emails(text: str) -> tuple[EmailSpan, ...]:
    """E-mail addresses in ``text`` (cached: the Zelle recognizer asks too)."""
    if "@" not in text and not _AT_HINT.search(text):
        return ()
    found = []
    for m in _EMAIL.finditer(text):
        local = m.group("local")
        if local[0] == "." or local[-1] == "." or ".." in local:
            continue
        host = deobfuscate_host(m.group("host"))
        info = _host_info(host)
        if info is None:
            continue
        if m.group("word_at") is not None:
            obfuscated_dot = host != m.group("host").lower()
            if local.lower() in _PROSE_LOCAL or not (obfuscated_dot or info.registrable in _MAIL_PROVIDERS):
                continue
        found.append(EmailSpan(m.start(), m.end(), f"{local}@{host}".lower()))
    return tuple(found)


class WebRecognizer:
    """``email``, ``url`` and ``domain`` indicators."""

    types: tuple[str, ...] = ("email", "url", "domain")

    def find(self, text: str) -> Iterable[Indicator]:
        emails = find_emails(text)
        found = [indicator("email", text, e.start, e.end, e.address) for e in emails]
        email_starts = [e.start for e in emails]
        for link in find_links(text):
            # The last e-mail starting before the link ends is the only one it can overlap.
            i = bisect_left(email_starts, link.end) - 1
            if i >= 0 and emails[i].end > link.start:
                continue
            found.extend(_link_indicators(text, link))
        return found


def _link_indicators(text: str, link: Link) -> list[Indicator]:
    # A scheme, "www." or a bracketed dot ("example[.]com") says "this is a link" outright.
    explicit = link.scheme is not None or link.host.startswith("www.") or link.dots == "bracket"
    # Spaces around a slash ("t.me / name") hide platform links; elsewhere they end the URL.
    path = "" if link.path[:1] in ("", " ", "\t") else link.path.split(maxsplit=1)[0]
    end = link.path_start + len(path) if path else link.host_end + len(link.port)
    scheme = _scheme(link.scheme)
    if IPV4.fullmatch(link.host):
        if any(int(part) > 255 for part in link.host.split(".")):
            return []
        return [indicator("url", text, link.start, end, f"{scheme}://{link.host}{link.port}{path or '/'}")]
    info = _host_info(link.host)
    if info is None or info.registrable in PLATFORM_DOMAINS:
        return []
    if not (explicit or path or info.onion) and not _plausible_bare(text, link, info):
        return []
    if link.dots == "word" and not explicit and info.suffix.rsplit(".", 1)[-1] not in _COMMON_TLDS:
        return []
    url = f"{scheme}://{link.host}{link.port}{path or '/'}"
    return [
        indicator("url", text, link.start, end, url),
        indicator("domain", text, link.host_start, link.host_end, info.registrable),
    ]


def _scheme(raw: str | None) -> str:
    if raw is None:
        return "http"
    raw = raw.lower()
    return raw if raw == "ftp" else "https" if raw.endswith("s") else "http"


def _common_tld(suffix: str) -> bool:
    tld = suffix.rsplit(".", 1)[-1]
    return tld in _COMMON_TLDS or len(tld) == 2


def _plausible_bare(text: str, link: Link, info: _Host) -> bool:
    """A host written with nothing around it must not read as prose or a file name."""
    written_tld = text[link.host_start : link.host_end].rsplit(".", 1)[-1]
    if link.dots == "plain" and not (written_tld.islower() or written_tld.isupper()):
        return False  # "pills.Now" is a missing space, "D.qA" is noise
    tld = info.suffix.rsplit(".", 1)[-1]
    if tld in _FILE_LIKE_TLDS or not _common_tld(info.suffix):
        return False
    return info.registrable.split(".", 1)[0] not in _PROSE_SLD
