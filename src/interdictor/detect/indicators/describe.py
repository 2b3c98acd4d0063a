"""One readable line per indicator, for the evidence a reviewer sees."""

from __future__ import annotations

from collections.abc import Callable

from interdictor.detect.base import Indicator
from interdictor.detect.indicators.pgp import UNPARSED_PREFIX

_LABELS = {
    "phone": "Phone number",
    "email": "E-mail address",
    "url": "URL",
    "wickr": "Wickr ID",
    "snapchat": "Snapchat username",
    "session": "Session ID",
    "threema": "Threema ID",
    "cashapp": "Cash App cashtag",
    "zelle": "Zelle recipient",
}


def describe(found: Indicator) -> str:
    """E.g. "Telegram handle @example" or "Bitcoin address (P2PKH, checksum valid)"."""
    special = _SPECIAL.get(found.type)
    if special is not None:
        return special(found)
    label = _LABELS.get(found.type, found.type.replace("_", " ").capitalize())
    return f"{label} {found.normalized}"


def _telegram(found: Indicator) -> str:
    if found.normalized.startswith("https://"):
        return f"Telegram invite link {found.normalized}"
    if found.normalized.startswith("+"):
        return f"Telegram phone link {found.normalized}"
    return f"Telegram handle @{found.normalized}"


def _whatsapp(found: Indicator) -> str:
    if found.normalized.startswith("https://"):
        return f"WhatsApp group invite {found.normalized}"
    return f"WhatsApp number {found.normalized}"


def _signal(found: Indicator) -> str:
    if found.normalized.startswith("https://signal.group/"):
        return f"Signal group link {found.normalized}"
    if found.normalized.startswith("https://"):
        return f"Signal username link {found.normalized}"
    if found.normalized.startswith("+"):
        return f"Signal number {found.normalized}"
    return f"Signal username {found.normalized}"


def _domain(found: Indicator) -> str:
    if found.normalized.endswith(".onion"):
        return f"Onion service {found.normalized}"
    return f"Domain {found.normalized}"


def _handle(label: str) -> Callable[[Indicator], str]:
    return lambda found: f"{label} @{found.normalized}"


def _btc(found: Indicator) -> str:
    return f"Bitcoin address ({_address_kind(found.normalized)}, checksum valid)"


def _ltc(found: Indicator) -> str:
    return f"Litecoin address ({_address_kind(found.normalized)}, checksum valid)"


def _address_kind(address: str) -> str:
    if address.startswith(("bc1q", "ltc1q")):
        return "SegWit v0, Bech32"
    if address.startswith(("bc1", "ltc1")):
        return "SegWit v1+, Bech32m"
    return "P2PKH" if address[0] in "1L" else "P2SH"


def _eth(found: Indicator) -> str:
    digits = found.value[2:]
    if digits == digits.lower():
        return "Ethereum address (no EIP-55 checksum: written all lower-case)"
    if digits == digits.upper():
        return "Ethereum address (no EIP-55 checksum: written all upper-case)"
    return "Ethereum address (EIP-55 checksum valid)"


def _xmr(found: Indicator) -> str:
    if len(found.normalized) == 106:
        kind = "integrated"
    else:
        kind = "subaddress" if found.normalized[0] == "8" else "standard"
    return f"Monero {kind} address (checksum valid)"


def _pgp(found: Indicator) -> str:
    if found.normalized.startswith(UNPARSED_PREFIX):
        return "PGP public key block (could not be parsed)"
    if found.value.startswith("-----BEGIN"):
        return f"PGP public key block (fingerprint {found.normalized})"
    return f"PGP key fingerprint {found.normalized}"


_SPECIAL: dict[str, Callable[[Indicator], str]] = {
    "telegram": _telegram,
    "whatsapp": _whatsapp,
    "signal": _signal,
    "domain": _domain,
    "instagram": _handle("Instagram account"),
    "venmo": _handle("Venmo account"),
    "btc": _btc,
    "ltc": _ltc,
    "eth": _eth,
    "xmr": _xmr,
    "trx": lambda found: "TRON address (checksum valid)",
    "pgp_fingerprint": _pgp,
}
