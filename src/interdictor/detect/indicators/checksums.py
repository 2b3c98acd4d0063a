"""Address encodings and their checksums.

Base58Check (Bitcoin, Litecoin, TRON), Bech32 and Bech32m segwit addresses (BIP-173,
BIP-350), Monero's block-wise base58 with a Keccak-256 checksum, and EIP-55 mixed-case
Ethereum checksums. Every decoder returns None for anything malformed.
"""

from __future__ import annotations

import base58
from Crypto.Hash import keccak

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {c: i for i, c in enumerate(_BASE58_ALPHABET)}

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32_CHARSET)}
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3  # BIP-350
_BECH32_MAX_LENGTH = 90

# Monero encodes 8-byte blocks as 11 characters; a final block of n bytes takes this many.
_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_MONERO_FULL_BLOCK = 11


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    return keccak.new(digest_bits=256, data=data).digest()


def base58check(address: str) -> bytes | None:
    """Version byte(s) + payload of a Base58Check string whose 4-byte checksum verifies."""
    try:
        return base58.b58decode_check(address)
    except ValueError:
        return None


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _regroup(data: list[int]) -> bytes | None:
    """5-bit groups to bytes; leftover bits must be fewer than 5 and zero."""
    acc = bits = 0
    out = bytearray()
    for value in data:
        acc = (acc << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc << (8 - bits)) & 0xFF:
        return None
    return bytes(out)


def decode_segwit(hrp: str, address: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a segwit address for ``hrp`` ("bc", "ltc").

    Version 0 must use the Bech32 checksum and later versions Bech32m (BIP-350).
    """
    if len(address) > _BECH32_MAX_LENGTH or (address != address.lower() and address != address.upper()):
        return None
    address = address.lower()
    separator = address.rfind("1")
    if address[:separator] != hrp or separator + 7 > len(address):
        return None
    data = [_BECH32_INDEX.get(c, -1) for c in address[separator + 1 :]]
    if -1 in data:
        return None
    constant = _polymod(_hrp_expand(hrp) + data)
    if constant not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    version = data[0]
    program = _regroup(data[1:-6])
    if version > 16 or program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    if (version == 0) != (constant == _BECH32_CONST):
        return None
    return version, program


def monero_base58(address: str) -> bytes | None:
    """Decode Monero's block-wise base58 (each block is a big-endian number)."""
    out = bytearray()
    for i in range(0, len(address), _MONERO_FULL_BLOCK):
        block = address[i : i + _MONERO_FULL_BLOCK]
        if len(block) not in _MONERO_BLOCK_CHARS:
            return None
        size = _MONERO_BLOCK_CHARS.index(len(block))
        value = 0
        for c in block:
            digit = _BASE58_INDEX.get(c)
            if digit is None:
                return None
            value = value * 58 + digit
        if value >= 1 << (8 * size):
            return None
        out += value.to_bytes(size, "big")
    return bytes(out)


def eip55(hex_address: str) -> str:
    """The EIP-55 checksummed form of 40 hex digits: a hex letter is upper-case
    where the matching nibble of Keccak-256(lower-case address) is 8 or more."""
    lower = hex_address.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))
