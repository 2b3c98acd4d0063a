"""Link candidates in post text, shared by the web recognizer and the platform recognizers.

One scan finds everything that looks like ``[scheme://]host[.tld][:port][/path]``,
including the defanged and obfuscated forms people use to slip links past filters:
``hxxps://``, ``http[:]//``, ``example[.]com``, ``example (dot) com``, ``t dot me / name``.
The web recognizer turns ordinary hosts into ``url``/``domain`` indicators; the
messaging and payment recognizers read links to their own hosts (``t.me``, ``wa.me``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# "example[.]com", "example(dot)com", "example {.} com", "example dot com".
_BRACKET_DOT = r"[^\S\n]?[\[({<][^\S\n]?(?:\.|dot)[^\S\n]?[\])}>][^\S\n]?"
_WORD_DOT = r"[^\S\n]+dot[^\S\n]+"
DOT = rf"(?:\.|{_BRACKET_DOT}|{_WORD_DOT})"
_LABEL = r"[A-Za-z0-9][A-Za-z0-9\-]{0,62}+"
HOST = rf"{_LABEL}(?:{DOT}{_LABEL}){{1,10}}+"

# A path's first slash; spaces around it ("t.me / name") are kept so platform links still read.
SLASH = r"[ \t]{0,2}/[ \t]{0,2}"
_LINK = re.compile(
    r"(?<![\w@.\-/$])"
    r"(?:(?P<scheme>h(?:tt|xx|\*\*)ps?|ftp)[^\S\n]?(?:\[:\]|\(:\)|:)[^\S\n]?//[^\S\n]?)?"
    rf"(?P<host>{HOST})"
    r"(?P<port>:[0-9]{1,5}+(?![0-9]))?"
    r"(?P<path>[ \t]{0,2}+/[ \t]{0,2}+[^\s<>\"'`]*+|[?#][^\s<>\"'`]*+)?",
    re.IGNORECASE,
)
_DOT_RE = re.compile(DOT, re.IGNORECASE)
_WORD_DOT_RE = re.compile(_WORD_DOT, re.IGNORECASE)
_OBFUSCATION_HINT = re.compile(r"dot|\[[.:]\]|\([.:]\)|\{\.\}|<\.>", re.IGNORECASE)
_OBFUSCATION_CHARS = frozenset(" \t[({<")
IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_TRAILING = ".,;:!?'\"*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

# Hosts whose links are handles on a messaging or payment platform. Links to them
# become that platform's indicator, never a url/domain (every such domain would
# otherwise tie unrelated posts together through "t.me" or "instagram.com").
PLATFORM_DOMAINS: frozenset[str] = frozenset(
    {
        "t.me",
        "telegram.me",
        "telegram.dog",
        "telegram.org",
        "wa.me",
        "whatsapp.com",
        "signal.me",
        "signal.group",
        "signal.org",
        "instagram.com",
        "instagr.am",
        "snapchat.com",
        "venmo.com",
        "cash.app",
        "cash.me",
        "threema.id",
        "threema.ch",
    }
)


@dataclass(frozen=True, slots=True)
class Link:
    """One link candidate; ``host`` is de-obfuscated and lower-case."""

    start: int
    end: int  # after trailing punctuation was trimmed from the path
    scheme: str | None  # as written ("hxxps", "HTTP"...)
    host: str
    site: str  # the host without a leading "www."
    host_start: int
    host_end: int
    port: str  # ":8080" or ""
    path: str  # raw text after the host and port, possibly starting with spaces before "/"
    path_start: int
    dots: str  # "plain", "bracket" ("example[.]com") or "word" ("example dot com")


def deobfuscate_host(raw: str) -> str:
    """``Example[.]COM`` -> ``example.com``."""
    return _DOT_RE.sub(".", raw).lower()


@lru_cache(maxsize=2)
def platform_links(text: str) -> tuple[Link, ...]:
    """The links to :data:`PLATFORM_DOMAINS` hosts or their subdomains (``chat.whatsapp.com``)."""
    return tuple(
        link
        for link in find_links(text)
        if link.site in PLATFORM_DOMAINS or link.site.partition(".")[2] in PLATFORM_DOMAINS
    )


@lru_cache(maxsize=2)
def find_links(text: str) -> tuple[Link, ...]:
    """Every link candidate in ``text``, in order (cached: several recognizers ask)."""
    if "." not in text and not _OBFUSCATION_HINT.search(text):
        return ()
    links = []
    for m in _LINK.finditer(text):
        raw_host = m.group("host")
        plain = _OBFUSCATION_CHARS.isdisjoint(raw_host)
        host = raw_host.lower() if plain else deobfuscate_host(raw_host)
        tld = host.rpartition(".")[2]
        # Every TLD is two or more letters (or punycode); only an explicit URL may use an IP.
        if not ((len(tld) > 1 and tld.isalpha()) or tld.startswith("xn--")) and not (
            m.group("scheme") and IPV4.fullmatch(host)
        ):
            continue
        if plain:
            dots = "plain"
        elif _WORD_DOT_RE.search(raw_host):
            dots = "word"
        else:
            dots = "bracket"
        path_start = m.end("port") if m.group("port") else m.end("host")
        path = _trim(m.group("path") or "")
        links.append(
            Link(
                start=m.start(),
                end=path_start + len(path),
                scheme=m.group("scheme"),
                host=host,
                site=host[4:] if host.startswith("www.") else host,
                host_start=m.start("host"),
                host_end=m.end("host"),
                port=m.group("port") or "",
                path=path,
                path_start=path_start,
                dots=dots,
            )
        )
    return tuple(links)


def _trim(path: str) -> str:
    """Drop sentence punctuation after a link, keeping brackets that the path opened."""
    while path:
        last = path[-1]
        if last in _TRAILING or (last in _CLOSERS and path.count(last) > path.count(_CLOSERS[last])):
            path = path[:-1]
        else:
            break
    if not path.strip(" \t/"):
        return "/" if path == "/" else ""
    return path
