"""PGP key fingerprints and ASCII-armoured public key blocks.

* A fingerprint written as ten groups of four hex digits (as GnuPG prints it) counts on
  its own; 40 hex digits in one run count only after a cue ("fingerprint", "fpr",
  "PGP", "GPG", "key"), since a bare 40-hex string is as likely a SHA-1 hash.
  Normalized: 40 upper-case hex digits, no spaces.
* A ``-----BEGIN PGP PUBLIC KEY BLOCK-----`` … ``-----END PGP PUBLIC KEY BLOCK-----``
  block is one indicator spanning the whole block. Its first packet must be a public
  key packet; a v4 key's fingerprint is SHA-1 over 0x99, the 2-byte body length and the
  body (RFC 4880 §12.2), a v6 key's is SHA-256 over 0x9B, a 4-byte length and the body
  (RFC 9580, 64 hex digits). When the block cannot be read (bad base64, a failing
  CRC-24, an unknown packet) it is still reported, normalized
  ``unparsed-key-block:`` + the first 16 hex digits of SHA-256 over its base64 body with
  whitespace removed, so the same pasted block links posts together.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterable

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.base import indicator

_GROUPED = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{4}(?:[ \u00a0]{1,2}[0-9A-Fa-f]{4}){9}(?![0-9A-Za-z])")
_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{40}(?![0-9A-Za-z])")
_CUE = re.compile(r"(?<![A-Za-z])(?:fingerprint|fpr|pgp|gpg|gnupg|openpgp|key)(?![A-Za-z])", re.IGNORECASE)
_CUE_WINDOW = 48

_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_END = "-----END PGP PUBLIC KEY BLOCK-----"
_HEADER = re.compile(r"[A-Za-z][A-Za-z\-]*:[^\S\n]")
_PUBLIC_KEY_TAG = 6
UNPARSED_PREFIX = "unparsed-key-block:"


def _crc24_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
        table.append(crc & 0xFFFFFF)
    return tuple(table)


_CRC24_TABLE = _crc24_table()


def crc24(data: bytes) -> int:
    """The OpenPGP armour checksum (RFC 4880 §6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC24_TABLE[(crc >> 16) ^ byte]
    return crc


class PgpRecognizer:
    """``pgp_fingerprint`` indicators."""

    types: tuple[str, ...] = ("pgp_fingerprint",)

    def find(self, text: str) -> Iterable[Indicator]:
        found: list[Indicator] = []
        if "-----BEGIN" in text:
            found.extend(_key_blocks(text))
        for m in _GROUPED.finditer(text):
            fingerprint = "".join(m.group().split()).upper()
            found.append(indicator("pgp_fingerprint", text, m.start(), m.end(), fingerprint))
        for m in _RUN.finditer(text):
            if _CUE.search(text, max(0, m.start() - _CUE_WINDOW), m.start()):
                found.append(indicator("pgp_fingerprint", text, m.start(), m.end(), m.group().upper()))
        return found


def _key_blocks(text: str) -> Iterable[Indicator]:
    start = text.find(_BEGIN)
    while start >= 0:
        end = text.find(_END, start)
        if end < 0:
            return  # no END anywhere after: no further block can close either
        end += len(_END)
        body = text[start + len(_BEGIN) : end - len(_END)]
        yield indicator("pgp_fingerprint", text, start, end, key_block_fingerprint(body))
        start = text.find(_BEGIN, end)


def key_block_fingerprint(armoured_body: str) -> str:
    """The fingerprint of the primary key in an armoured block's body, or an unparsed-block id."""
    lines = armoured_body.strip().splitlines()
    while lines and _HEADER.match(lines[0]):
        lines.pop(0)
    encoded = "".join("".join(lines).split())
    fingerprint = _fingerprint(encoded)
    if fingerprint is not None:
        return fingerprint
    return UNPARSED_PREFIX + hashlib.sha256(encoded.encode("ascii", "replace")).hexdigest()[:16]


def _fingerprint(encoded: str) -> str | None:
    checksum = None
    if len(encoded) % 4 == 1 and encoded[-5:-4] == "=":
        encoded, checksum = encoded[:-5], encoded[-4:]
    try:
        data = binascii.a2b_base64(encoded, strict_mode=True)
        expected = None
        if checksum is not None:
            expected = int.from_bytes(binascii.a2b_base64(checksum, strict_mode=True), "big")
    except (binascii.Error, ValueError):
        return None
    if not data or (expected is not None and crc24(data) != expected):
        return None
    body = _public_key_packet(data)
    if body is None:
        return None
    if body[0] == 4 and len(body) < 1 << 16:
        return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
    if body[0] == 6:
        return hashlib.sha256(b"\x9b" + len(body).to_bytes(4, "big") + body).hexdigest().upper()
    return None


def _public_key_packet(data: bytes) -> bytes | None:
    """The body of the first packet if it is a public key packet (old or new header format)."""
    first = data[0]
    if not first & 0x80:
        return None
    if first & 0x40:  # new format
        tag, octet = first & 0x3F, data[1] if len(data) > 1 else 0
        if octet < 192:
            offset, length = 2, octet
        elif octet < 224 and len(data) > 2:
            offset, length = 3, ((octet - 192) << 8) + data[2] + 192
        elif octet == 255:
            offset, length = 6, int.from_bytes(data[2:6], "big")
        else:
            return None  # partial body lengths are not allowed for key packets
    else:
        tag, length_type = (first >> 2) & 0x0F, first & 0x03
        if length_type == 3:
            return None  # indeterminate length
        size = 1 << length_type
        offset, length = 1 + size, int.from_bytes(data[1 : 1 + size], "big")
    body = data[offset : offset + length]
    if tag != _PUBLIC_KEY_TAG or len(body) != length or length < 6:
        return None
    return body
