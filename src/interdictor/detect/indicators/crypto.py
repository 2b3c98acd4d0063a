"""Cryptocurrency addresses, emitted only when their checksum verifies.

* btc: Base58Check P2PKH (``1…``, version 0x00) and P2SH (``3…``, 0x05), Bech32 segwit
  v0 and Bech32m v1+ (``bc1…``). Normalized: as written, Bech32 lower-cased.
* eth: ``0x`` + 40 hex. Mixed case must match its EIP-55 checksum; all-lower or
  all-upper addresses carry no checksum and are accepted as such. Normalized: the
  EIP-55 checksummed form.
* xmr: mainnet standard (95 chars, ``4…``), subaddress (95, ``8…``) and integrated
  (106, ``4…``) addresses: Monero block base58 with a 4-byte Keccak-256 checksum.
* trx: Base58Check with version 0x41 (34 chars, ``T…``).
* ltc: Base58Check ``L…`` (0x30), ``M…`` (0x32) and Bech32 ``ltc1…``. A ``3…`` address
  (0x05) is valid on both Bitcoin and Litecoin: it is read as Litecoin only when a
  Litecoin cue is nearer to it than a Bitcoin cue, otherwise as Bitcoin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator
from interdictor.detect.indicators.checksums import (
    base58check,
    decode_segwit,
    eip55,
    keccak256,
    monero_base58,
)

# Every address type is one run of 25+ letters and digits; most posts have none.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{25,}+")
_MAX_LENGTH = 110
_HEX = frozenset("0123456789abcdefABCDEF")
_BTC_CUE = re.compile(r"(?<![A-Za-z0-9])(?:bitcoin|btc)(?![A-Za-z0-9])", re.IGNORECASE)
_LTC_CUE = re.compile(r"(?<![A-Za-z0-9])(?:litecoin|ltc)(?![A-Za-z0-9])", re.IGNORECASE)
_CUE_WINDOW = 80

_MONERO_TAGS = {18: 69, 42: 69, 19: 77}  # mainnet standard, subaddress, integrated: decoded length
_BASE58_VERSIONS = {"btc": (0x00, 0x05), "ltc": (0x30, 0x32), "trx": (0x41,)}


class CryptoRecognizer:
    """``btc``, ``eth``, ``xmr``, ``trx`` and ``ltc`` addresses."""

    types: tuple[str, ...] = ("btc", "eth", "xmr", "trx", "ltc")

    def find(self, text: str) -> Iterable[Indicator]:
        found = []
        for m in _CANDIDATE.finditer(text):
            token = m.group()
            if len(token) > _MAX_LENGTH:
                continue
            result = classify(token)
            if result is None:
                continue
            kind, normalized = result
            if kind == "btc" and token[0] == "3" and _litecoin_context(text, m.start(), m.end()):
                kind = "ltc"
            found.append(indicator(kind, text, m.start(), m.end(), normalized))
        return found


def classify(token: str) -> tuple[str, str] | None:
    """(type, normalized) for a token that is a valid address, else None."""
    first = token[0]
    lower = token[:4].lower()
    if len(token) == 42 and token.startswith("0x"):
        return _ethereum(token[2:])
    if lower.startswith("bc1"):
        return ("btc", token.lower()) if decode_segwit("bc", token) else None
    if lower == "ltc1":
        return ("ltc", token.lower()) if decode_segwit("ltc", token) else None
    if first in "48" and len(token) in (95, 106):
        return ("xmr", token) if _monero(token) else None
    if first in "13LMT" and 26 <= len(token) <= 35:
        payload = base58check(token)
        if payload is None or len(payload) != 21:
            return None
        for kind, versions in _BASE58_VERSIONS.items():
            if payload[0] in versions:
                return kind, token
    return None


def _ethereum(digits: str) -> tuple[str, str] | None:
    if not _HEX.issuperset(digits):
        return None
    checksummed = eip55(digits)
    if digits in (digits.lower(), digits.upper()) or "0x" + digits == checksummed:
        return "eth", checksummed
    return None


def _monero(address: str) -> bool:
    raw = monero_base58(address)
    if raw is None or _MONERO_TAGS.get(raw[0]) != len(raw):
        return False
    return keccak256(raw[:-4])[:4] == raw[-4:]


def _litecoin_context(text: str, start: int, end: int) -> bool:
    """Whether a Litecoin cue is nearer than any Bitcoin cue."""
    ltc = _distance(_LTC_CUE, text, start, end)
    if ltc is None:
        return False
    btc = _distance(_BTC_CUE, text, start, end)
    return btc is None or ltc < btc


def _distance(cue: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    distances = [
        start - m.end() if m.end() <= start else m.start() - end
        for m in cue.finditer(text, max(0, start - _CUE_WINDOW), end + _CUE_WINDOW)
    ]
    return min(distances) if distances else None
