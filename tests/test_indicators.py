"""Indicator extraction: every type, its obfuscated forms, checksums, false positives, offsets."""

from __future__ import annotations

import base64
import hashlib
import random
import socket
import string
from pathlib import Path

import base58
import bech32
import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from interdictor.detect.base import INDICATOR_TYPES, Analysis, Indicator, Post
from interdictor.detect.indicators import (
    IndicatorDetector,
    RecognizerRegistry,
    default_recognizers,
    extract_indicators,
)
from interdictor.detect.indicators.web import suffix_extractor


def found(text: str, kind: str | None = None) -> list[tuple[str, str]]:
    """(type, normalized) pairs, after checking every offset points at the value."""
    indicators = extract_indicators(text)
    for ind in indicators:
        assert text[ind.start : ind.end] == ind.value, ind
    return [(i.type, i.normalized) for i in indicators if kind is None or i.type == kind]


def normalized(text: str, kind: str) -> list[str]:
    return [n for _, n in found(text, kind)]


def flip(address: str) -> str:
    """The address with its next-to-last character replaced by another one it already uses."""
    c = address[-2]
    replacement = next(r for r in reversed(address) if r != c)
    return address[:-2] + replacement + address[-1]


def recase(address: str) -> str:
    """An EIP-55 address with the case of its first hex letter swapped: a checksum error."""
    i = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1 :]


# --- phone -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 520-555-0199", "+15205550199"),
        ("(520) 555-0199 call or text", "+15205550199"),
        ("text 520.555.0199", "+15205550199"),
        ("5205550199", "+15205550199"),
        ("1 520 555 0199", "+15205550199"),
        ("+1 520 555 0199", "+15205550199"),
        ("five two zero 555 0199", "+15205550199"),
        ("five two zero five five five zero one nine nine", "+15205550199"),
        ("520 five five five 0199", "+15205550199"),
        ("52O 555 O199", "+15205550199"),
        ("llama al cinco cinco uno dos tres cuatro cinco seis siete ocho", "+525512345678"),
        ("cel 55 1234 5678", "+525512345678"),
        ("55 12 34 56 78", "+525512345678"),
        ("+52 1 55 1234 5678", "+525512345678"),  # old mobile "1" dropped
        ("+44 20 7946 0958", "+442079460958"),
        (
            "call 5\ufe0f\u20e32\ufe0f\u20e30\ufe0f\u20e35\ufe0f\u20e35\ufe0f\u20e35\ufe0f\u20e3"
            "0\ufe0f\u20e31\ufe0f\u20e39\ufe0f\u20e39\ufe0f\u20e3",
            "+15205550199",
        ),  # keycap emoji
        ("text \uff15\uff12\uff10-\uff15\uff15\uff15-\uff10\uff11\uff19\uff19", "+15205550199"),  # full-width
    ],
)
def test_phone_forms(text: str, expected: str) -> None:
    assert normalized(text, "phone") == [expected]


def test_two_numbers_in_one_run() -> None:
    assert normalized("520 555 0199 520 555 0123", "phone") == ["+15205550199", "+15205550123"]
    assert normalized("520/555/0199 o 520-555-0123", "phone") == ["+15205550199", "+15205550123"]


@pytest.mark.parametrize(
    "text",
    [
        "Xanax 2mg bars $5 each, 30mg, M30 blues 100 for $1200",
        "order #5205550199 shipped",
        "tracking 5205550199",
        "$5205550199",
        "prices: 250 500 1000 pills",
        "5205550199mg",
        "520 555 0199 pills",
        "logged 2024-05-12 14:30, due 12/05/2023 1030",
        "prices 19.99 29.99 39.99 49.99 99.99",
        "year 2024, 1,500 units, 10/325 percs",
        "555 0199",  # no area code
        "123 456 7890",  # no such area code
        "1234567890123456789",  # a long digit run is not cut into a phone
        "example.com/item/5205550199",
    ],
)
def test_not_a_phone(text: str) -> None:
    assert normalized(text, "phone") == []


def test_phone_cue_overrides_context() -> None:
    assert normalized("call me 250 500 1000", "phone") == ["+12505001000"]


# --- whatsapp --------------------------------------------------------------------------------------


def test_whatsapp_cue_yields_phone_and_whatsapp() -> None:
    assert found("WhatsApp: +1 520 555 0199") == [("phone", "+15205550199"), ("whatsapp", "+15205550199")]
    assert normalized("wsp 55 1234 5678", "whatsapp") == ["+525512345678"]
    assert normalized("hit me on wa 520-555-0199", "whatsapp") == ["+15205550199"]
    assert normalized("+1 520 555 0199 (WhatsApp)", "whatsapp") == ["+15205550199"]
    assert normalized("whatsapp/telegram: 520 555 0199", "whatsapp") == ["+15205550199"]
    assert normalized("WhatsApp \U0001f4de +52 1 33 1234 5678", "whatsapp") == ["+523312345678"]


def test_whatsapp_links() -> None:
    assert found("wa.me/5215512345678") == [("whatsapp", "+525512345678"), ("phone", "+525512345678")]
    assert normalized("https://api.whatsapp.com/send?phone=15205550199", "whatsapp") == ["+15205550199"]
    assert normalized("join chat.whatsapp.com/ABCDEFGHIJKLMNOPQRSTUV now", "whatsapp") == [
        "https://chat.whatsapp.com/ABCDEFGHIJKLMNOPQRSTUV"
    ]


def test_phone_without_whatsapp_cue_is_only_a_phone() -> None:
    assert found("call 520-555-0199") == [("phone", "+15205550199")]


# --- telegram --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t.me/Example_Plug", "example_plug"),
        ("https://telegram.me/exampleplug", "exampleplug"),
        ("t.me / example", "example"),
        ("t[.]me/example", "example"),
        ("t dot me/example", "example"),
        ("t(.)me/example", "example"),
        ("telegram: @Plug_Man", "plug_man"),
        ("tele: @plugman", "plugman"),
        ("tele @plugman", "plugman"),
        ("hmu on tele @plugman", "plugman"),
        ("tg: sellerx", "sellerx"),
        ("TG- dealer_01", "dealer_01"),
        ("\u2708\ufe0f: @plugman", "plugman"),
        ("Telegram\U0001f449@plugman", "plugman"),
        ("telegram \U0001f449 plugman", "plugman"),
        ("@plugman on telegram", "plugman"),
        ("https://t.me/+AbCdEfGhIjKlMn", "https://t.me/+AbCdEfGhIjKlMn"),
        ("t.me/joinchat/AAAAAEj3xK5pZ3c", "https://t.me/+AAAAAEj3xK5pZ3c"),
    ],
)
def test_telegram(text: str, expected: str) -> None:
    assert normalized(text, "telegram") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "mira la tele ahora",  # Spanish "TV"
        "mira la tele, ahora",
        "telegram: link in bio",
        "@plugman",  # a handle with no platform
        "t.me/addstickers",
        "what.me/example",
        "tg x",
    ],
)
def test_not_telegram(text: str) -> None:
    assert normalized(text, "telegram") == []


def test_telegram_links_are_not_urls() -> None:
    assert found("https://t.me/exampleplug") == [("telegram", "exampleplug")]


def test_telegram_value_keeps_the_sigil() -> None:
    (ind,) = extract_indicators("tele: @plugman")
    assert ind.value == "@plugman"


# --- signal, wickr, snapchat, instagram, session, threema ---------------------------------------------


def test_signal() -> None:
    assert normalized("signal: PlugMan.01", "signal") == ["plugman.01"]
    assert found("signal.me/#p/+15205550199") == [("signal", "+15205550199"), ("phone", "+15205550199")]
    assert normalized("https://signal.group/#CjQKIAtcbUw482i7bqvmJ0Qh", "signal") == [
        "https://signal.group/#CjQKIAtcbUw482i7bqvmJ0Qh"
    ]
    assert normalized("hit me on signal 520 555 0199", "signal") == ["+15205550199"]
    assert normalized("signal is weak here", "signal") == []
    assert normalized("signal: plugman", "signal") == []  # usernames end in .NN


def test_wickr() -> None:
    assert normalized("wickr: PlugMan99", "wickr") == ["plugman99"]
    assert normalized("wickr me thecandyman", "wickr") == ["thecandyman"]
    assert normalized("wickr: available", "wickr") == []


def test_snapchat() -> None:
    assert normalized("snap: plug.man", "snapchat") == ["plug.man"]
    assert normalized("sc: dealer", "snapchat") == ["dealer"]
    assert normalized("add snapchat.com/add/ghostplug", "snapchat") == ["ghostplug"]
    assert normalized("oh snap that was fast", "snapchat") == []
    assert normalized("sc dealer", "snapchat") == []  # "sc" needs a separator or @


def test_instagram() -> None:
    assert normalized("instagram.com/plug_man", "instagram") == ["plug_man"]
    assert normalized("ig: the.plug.", "instagram") == ["the.plug"]
    assert normalized("insta @WeedKing", "instagram") == ["weedking"]
    assert normalized("instagram.com/p/Cx1abc", "instagram") == []
    assert normalized("big: deal", "instagram") == []


def test_session() -> None:
    session_id = "05" + "a1b2c3d4" * 8
    assert normalized(f"session {session_id}", "session") == [session_id]
    assert normalized(session_id.upper(), "session") == [session_id]
    assert normalized(session_id + "ab", "session") == []  # too long
    assert normalized("06" + session_id[2:], "session") == []


def test_threema() -> None:
    assert normalized("threema: ABCD1234", "threema") == ["ABCD1234"]
    assert normalized("Threema ID ECHOECHO", "threema") == ["ECHOECHO"]
    assert normalized("https://threema.id/ECHOECHO", "threema") == ["ECHOECHO"]
    assert normalized("threema: username", "threema") == []  # IDs are upper-case
    assert normalized("ABCD1234", "threema") == []  # no cue


# --- payments --------------------------------------------------------------------------------------


def test_cashapp() -> None:
    assert normalized("send to $PlugMan", "cashapp") == ["$plugman"]
    assert normalized("cashapp: $Dealer", "cashapp") == ["$dealer"]
    assert normalized("cash app: dealer99", "cashapp") == ["$dealer99"]
    assert normalized("https://cash.app/$plugman", "cashapp") == ["$plugman"]
    assert normalized("cash app $MONEY", "cashapp") == ["$money"]  # all caps, but cued


NOT_CASHTAGS = [
    "bars $20 each", "$ 5 a pill", "$5k", "buy $AAPL and $TSLA", "$X", "only $usd", "fast $hipping", "US$20",
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_CASHTAGS)
def test_not_a_cashtag(text: str) -> None:
    assert normalized(text, "cashapp") == []


def test_venmo() -> None:
    assert normalized("venmo: @Plug-Man", "venmo") == ["plug-man"]
    assert normalized("venmo.com/u/dealer123", "venmo") == ["dealer123"]
    assert normalized("https://venmo.com/dealer123", "venmo") == ["dealer123"]
    assert normalized("venmo.com/about", "venmo") == []
    assert normalized("venmo accepted", "venmo") == []


def test_zelle() -> None:
    assert normalized("zelle: 520-555-0199", "zelle") == ["+15205550199"]
    assert normalized("zelle: Plug@Gmail.com", "zelle") == ["plug@gmail.com"]
    assert normalized("zelle to Maria  Lopez", "zelle") == ["maria lopez"]
    assert normalized("Zelle accepted", "zelle") == []
    assert normalized("zelle - fast shipping", "zelle") == []


# --- email, url, domain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plug.Man+x@Example.co.uk", "plug.man+x@example.co.uk"),
        ("name (at) gmail (dot) com", "name@gmail.com"),
        ("name at protonmail dot com", "name@protonmail.com"),
        ("name[at]mail[.]com", "name@mail.com"),
        ("name at gmail.com", "name@gmail.com"),
        ("name {at} example {dot} org", "name@example.org"),
    ],
)
def test_email(text: str, expected: str) -> None:
    assert found(text) == [("email", expected)]  # and no url/domain for its host


@pytest.mark.parametrize("text", ["look at example.com", "meet me at home", "a@b", "x@file.txt"])
def test_not_an_email(text: str) -> None:
    assert normalized(text, "email") == []


@pytest.mark.parametrize(
    ("text", "url", "domain"),
    [
        ("https://www.Example.co.uk/Path?q=1.", "https://www.example.co.uk/Path?q=1", "example.co.uk"),
        ("see example.com", "http://example.com/", "example.com"),
        ("example[.]com", "http://example.com/", "example.com"),
        ("example dot com", "http://example.com/", "example.com"),
        ("hxxps://bad[.]shop/x)", "https://bad.shop/x", "bad.shop"),
        ("hxxp[:]//evil.example.net/a", "http://evil.example.net/a", "example.net"),
        ("www.plugstore.xyz", "http://www.plugstore.xyz/", "plugstore.xyz"),
        ("bit.ly/abc", "http://bit.ly/abc", "bit.ly"),
        ("foo.github.io/menu", "http://foo.github.io/menu", "foo.github.io"),
        ("(see https://example.org/a_(b))", "https://example.org/a_(b)", "example.org"),
        ("go to http://medsheaven.com/ and buy", "http://medsheaven.com/", "medsheaven.com"),
        ("TorrentLeech (dot) org", "http://torrentleech.org/", "torrentleech.org"),
    ],
)
def test_url_and_domain(text: str, url: str, domain: str) -> None:
    assert found(text) == [("url", url), ("domain", domain)]


@pytest.mark.parametrize(
    "text",
    [
        "e.g. this, i.e. that",
        "5.5mg and 2.5 mg",
        "file.txt setup.py notes.md",
        "pills.Now available",
        "it.is what it is",
        "the dot is red",
        "Vivelle Dot is a patch",
        "version 1.2.3",
    ],
)
def test_not_a_domain(text: str) -> None:
    assert found(text, "url") == [] and found(text, "domain") == []


def test_onion() -> None:
    v3 = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
    assert found(f"market at {v3}/shop") == [("url", f"http://{v3}/shop"), ("domain", v3)]
    assert normalized("http://expyuzz4wqqyqhjn.onion", "domain") == ["expyuzz4wqqyqhjn.onion"]  # v2
    bad_checksum = v3.replace("czad", "czaa")
    assert found(bad_checksum) == []


def test_ip_url_has_no_domain() -> None:
    assert found("http://192.168.1.20:8080/x") == [("url", "http://192.168.1.20:8080/x")]


def test_suffix_list_needs_no_network_and_no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "tld"))
    extract = suffix_extractor.__wrapped__()
    assert extract("www.example.co.uk").top_domain_under_public_suffix == "example.co.uk"
    assert list(tmp_path.iterdir()) == []


# --- crypto ----------------------------------------------------------------------------------------

BTC_P2PKH = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # the genesis block address
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
BIP173_P2WPKH = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BIP173_P2WSH = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
BIP350_TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
BIP350_V0_WITH_BECH32M = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"  # invalid: v0 needs Bech32
EIP55_VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
XMR_DONATION = (
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def monero_encode(data: bytes) -> str:
    """Monero base58: 8-byte blocks to 11 characters, a final short block to fewer."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    sizes = [0, 2, 3, 5, 6, 7, 9, 10, 11]
    out = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        value = int.from_bytes(block, "big")
        chars = []
        for _ in range(sizes[len(block)]):
            value, digit = divmod(value, 58)
            chars.append(alphabet[digit])
        out.append("".join(reversed(chars)))
    return "".join(out)


def monero_address(tag: int, extra: bytes = b"") -> str:
    body = bytes([tag]) + bytes(range(1, 65)) + extra
    return monero_encode(body + keccak256(body)[:4])


def test_bitcoin_valid() -> None:
    for address in (BTC_P2PKH, BTC_P2SH, BIP173_P2WPKH, BIP173_P2WSH, BIP350_TAPROOT):
        assert normalized(f"send to {address} thanks", "btc") == [address]
    assert normalized(BIP173_P2WPKH.upper(), "btc") == [BIP173_P2WPKH]


def test_bitcoin_invalid_checksums() -> None:
    for address in (BTC_P2PKH, BTC_P2SH, BIP173_P2WPKH, BIP350_TAPROOT):
        assert found(flip(address)) == []
    assert found(BIP350_V0_WITH_BECH32M) == []
    assert found("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == []  # mixed case


def test_ethereum() -> None:
    for address in EIP55_VECTORS:
        assert normalized(address, "eth") == [address]
        assert normalized(address.lower(), "eth") == [address]  # no checksum: accepted, checksummed
        assert normalized(recase(address), "eth") == []
    assert normalized("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "eth") == []  # 39 digits


def test_monero() -> None:
    assert normalized(XMR_DONATION, "xmr") == [XMR_DONATION]
    assert found(flip(XMR_DONATION)) == []
    subaddress = monero_address(42)
    integrated = monero_address(19, bytes(8))
    assert subaddress[0] == "8" and len(subaddress) == 95
    assert len(integrated) == 106
    assert normalized(subaddress, "xmr") == [subaddress]
    assert normalized(integrated, "xmr") == [integrated]
    assert found(monero_address(53)) == []  # testnet


def test_tron() -> None:
    assert normalized(f"USDT TRC20: {TRON_USDT}", "trx") == [TRON_USDT]
    assert found(flip(TRON_USDT)) == []


def test_litecoin() -> None:
    legacy = base58.b58encode_check(bytes([0x30]) + bytes(range(20))).decode()
    p2sh = base58.b58encode_check(bytes([0x32]) + bytes(range(20))).decode()
    segwit = bech32.encode("ltc", 0, list(range(20)))
    assert segwit is not None
    assert legacy[0] == "L" and p2sh[0] == "M"
    for address in (legacy, p2sh, segwit):
        assert normalized(address, "ltc") == [address]
        assert found(flip(address)) == []


def test_p2sh_is_litecoin_only_near_a_litecoin_cue() -> None:
    assert found(f"LTC: {BTC_P2SH}") == [("ltc", BTC_P2SH)]
    assert found(BTC_P2SH) == [("btc", BTC_P2SH)]
    assert found(f"litecoin accepted, bitcoin: {BTC_P2SH}") == [("btc", BTC_P2SH)]


def test_crypto_details() -> None:
    text = f"{BTC_P2PKH} {BIP350_TAPROOT} {EIP55_VECTORS[0].lower()} {EIP55_VECTORS[1]}"
    details = {e.text: e.detail for e in analyse(text).evidence}
    assert details[BTC_P2PKH] == "Bitcoin address (P2PKH, checksum valid)"
    assert details[BIP350_TAPROOT] == "Bitcoin address (SegWit v1+, Bech32m, checksum valid)"
    assert "no EIP-55 checksum" in details[EIP55_VECTORS[0].lower()]
    assert details[EIP55_VECTORS[1]] == "Ethereum address (EIP-55 checksum valid)"


# --- pgp -------------------------------------------------------------------------------------------

# Exported by GnuPG; `gpg --fingerprint` printed the fingerprint below.
GPG_KEY_BLOCK = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawR9kxYJKwYBBAHaRw8BAQdAGrQ2LdAAl4007po1t6nWj2WfuCZX/ZevwbYs
IjYYZES0IUV4YW1wbGUgS2V5IDxrZXlAZXhhbXBsZS5pbnZhbGlkPoiQBBMWCAA4
FiEEqZTCnzLmsyzM4WOWw8ErK7h2KcsFAmsEfZMCGwMFCwkIBwIGFQoJCAsCBBYC
AwECHgECF4AACgkQw8ErK7h2KcthGwD/VYyYTUh/QjklsL0M/OtfQ1rDxgMBDiBT
21kgFIddodoBAL9VKGk/3OkxIExDWoqkpv8BL3wb8ReGGl6zi0B2K34I
=4t5g
-----END PGP PUBLIC KEY BLOCK-----"""
GPG_FINGERPRINT = "A994C29F32E6B32CCCE16396C3C12B2BB87629CB"


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armour(packets: bytes) -> str:
    body = base64.b64encode(packets).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    checksum = base64.b64encode(crc24(packets).to_bytes(3, "big")).decode()
    return "\n".join(
        ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "Comment: test", "", *lines, "=" + checksum,
         "-----END PGP PUBLIC KEY BLOCK-----"]
    )  # fmt: skip


def test_pgp_fingerprints() -> None:
    spaced = "A994 C29F 32E6 B32C CCE1  6396 C3C1 2B2B B876 29CB"
    assert normalized(spaced, "pgp_fingerprint") == [GPG_FINGERPRINT]
    assert normalized(f"PGP fingerprint: {GPG_FINGERPRINT.lower()}", "pgp_fingerprint") == [GPG_FINGERPRINT]
    assert normalized(f"commit {GPG_FINGERPRINT.lower()}", "pgp_fingerprint") == []  # no cue


def test_pgp_key_block() -> None:
    text = f"my key:\n{GPG_KEY_BLOCK}\nmsg me"
    (ind,) = extract_indicators(text)
    assert (ind.type, ind.normalized, ind.value) == ("pgp_fingerprint", GPG_FINGERPRINT, GPG_KEY_BLOCK)
    # Posts often lose their line breaks.
    assert normalized(GPG_KEY_BLOCK.replace("\n", " "), "pgp_fingerprint") == [GPG_FINGERPRINT]


def test_pgp_new_format_packet() -> None:
    body = bytes([4]) + bytes(4) + bytes([22]) + bytes(range(40))  # v4 EdDSA-shaped public key
    expected = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
    packet = bytes([0xC0 | 6, len(body)]) + body
    assert normalized(armour(packet), "pgp_fingerprint") == [expected]


def test_pgp_unparsable_block() -> None:
    corrupted = GPG_KEY_BLOCK.replace("mDMEawR9", "mDMEawR8")  # CRC-24 no longer matches
    (value,) = normalized(corrupted, "pgp_fingerprint")
    assert value.startswith("unparsed-key-block:") and len(value) == len("unparsed-key-block:") + 16
    assert found("-----BEGIN PGP PUBLIC KEY BLOCK----- no end") == []


# --- the whole extraction ----------------------------------------------------------------------------


def analyse(text: str) -> Analysis:
    analysis = Analysis(Post(id="p1", text=text))
    IndicatorDetector().analyze(analysis)
    return analysis


MIXED_POST = (
    "🔥 M30s $20 each. Text 520-555-0199 or tele @PlugMan, t.me/plugman also works. "
    f"BTC {BTC_P2PKH} / XMR {XMR_DONATION}. Menu: plugmenu[.]shop, email plug (at) proton (dot) me"
)


def test_mixed_post_sorted_and_deduplicated() -> None:
    assert found(MIXED_POST) == [
        ("phone", "+15205550199"),
        ("telegram", "plugman"),
        ("btc", BTC_P2PKH),
        ("xmr", XMR_DONATION),
        ("url", "http://plugmenu.shop/"),
        ("domain", "plugmenu.shop"),
        ("email", "plug@proton.me"),
    ]
    starts = [i.start for i in extract_indicators(MIXED_POST)]
    assert starts == sorted(starts)


def test_detector_adds_indicators_and_evidence() -> None:
    analysis = analyse(MIXED_POST)
    assert analysis.indicators == extract_indicators(MIXED_POST)
    assert len(analysis.evidence) == len(analysis.indicators)
    for ind, ev in zip(analysis.indicators, analysis.evidence, strict=True):
        assert (ev.start, ev.end, ev.text, ev.signal) == (ind.start, ind.end, ind.value, "indicator")
    details = [e.detail for e in analysis.evidence]
    assert "Telegram handle @plugman" in details
    assert "Phone number +15205550199" in details
    assert "Monero standard address (checksum valid)" in details
    assert IndicatorDetector.name == "indicators"


def test_default_recognizers_cover_every_type() -> None:
    covered = {kind for recognizer in default_recognizers() for kind in recognizer.types}
    assert covered == set(INDICATOR_TYPES)


def test_registry_rejects_unknown_types() -> None:
    class Odd:
        types: tuple[str, ...] = ("carrier_pigeon",)

        def find(self, text: str) -> list[Indicator]:
            return []

    with pytest.raises(ValueError, match="carrier_pigeon"):
        RecognizerRegistry([Odd()])


def test_registry_runs_custom_recognizers() -> None:
    class Shouting:
        types: tuple[str, ...] = ("telegram",)

        def find(self, text: str) -> list[Indicator]:
            i = text.find("PLUG")
            return [] if i < 0 else [Indicator("telegram", "PLUG", "plug", i, i + 4)]

    registry = RecognizerRegistry([Shouting()])
    assert registry.extract("ask PLUG") == [Indicator("telegram", "PLUG", "plug", 4, 8)]


def test_plain_text_has_no_indicators() -> None:
    assert found("Looking for a ride to the concert tonight, anyone? It starts at 8.") == []
    assert found("") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(string.printable + "$@.:/-()[]០٣"), max_size=300))
def test_offsets_hold_on_arbitrary_text(text: str) -> None:
    for ind in extract_indicators(text):
        assert text[ind.start : ind.end] == ind.value
        assert ind.type in INDICATOR_TYPES


_MB = 1_000_000


@pytest.mark.parametrize(
    "name",
    ["random", "dots", "digits", "spaced digits", "hex", "at dot", "cues", "dollars", "begin", "brackets"],
)
def test_adversarial_megabyte_inputs_finish(name: str) -> None:
    rng = random.Random(7)
    text = {
        "random": lambda: "".join(rng.choice(string.printable) for _ in range(_MB)),
        "dots": lambda: "a." * (_MB // 2),
        "digits": lambda: "".join(rng.choice(string.digits) for _ in range(_MB)),
        "spaced digits": lambda: "1 " * (_MB // 2),
        "hex": lambda: "".join(rng.choice("0123456789abcdef") for _ in range(_MB)),
        "at dot": lambda: "a at a dot " * (_MB // 11),
        "cues": lambda: "tele: @plugman wickr me " * (_MB // 24),
        "dollars": lambda: "$a " * (_MB // 3),
        "begin": lambda: "-----BEGIN PGP PUBLIC KEY BLOCK-----" * (_MB // 36),
        "brackets": lambda: "([" * (_MB // 2),
    }[name]()
    assert isinstance(extract_indicators(text), list)
