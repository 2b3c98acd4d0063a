"""Webhook signatures: how a platform knows an action really comes from Interdictor.

Every delivery carries two headers::

    X-Interdictor-Timestamp: 1740830400
    X-Interdictor-Signature: v1=<hex HMAC-SHA256(secret, b"<timestamp>." + body)>

The timestamp is signed with the body, so a captured request cannot be replayed once it
is older than the receiver's tolerance (five minutes by default); within the tolerance,
the ``Idempotency-Key`` header lets the receiver drop the repeat. A receiver checks the
raw body, before parsing it::

    from interdictor.actions.signing import SignatureError, verify

    try:
        verify(request_body_bytes, request_headers, secret=WEBHOOK_SECRET)
    except SignatureError as exc:
        return 401, str(exc)  # not from Interdictor, tampered with, or replayed
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Interdictor-Timestamp"
SIGNATURE_HEADER = "X-Interdictor-Signature"
VERSION = "v1"

_SIGNATURE = re.compile(r"v1=([0-9a-f]{64})")


class SignatureError(ValueError):
    """A request whose signature does not check out; the message says why."""


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The signature headers for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{VERSION}={_digest(body, secret, timestamp)}",
    }


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    tolerance_s: float = 300,
    now: float | None = None,
) -> None:
    """Check that ``body`` was signed with ``secret`` within ``tolerance_s`` of ``now``.

    Header names match in any case. ``now`` is Unix seconds (default: the clock).
    Raises :class:`SignatureError` when a header is missing or malformed, the timestamp
    is too old or too far ahead, or the signature does not match.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower())
    signature = lowered.get(SIGNATURE_HEADER.lower())
    if stamp is None:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if signature is None:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if not stamp.strip().isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} is not Unix seconds: {stamp[:40]!r}")
    match = _SIGNATURE.fullmatch(signature.strip())
    if match is None:
        raise SignatureError(f"{SIGNATURE_HEADER} is not v1=<64 hex digits>")
    timestamp = int(stamp)
    age = (time.time() if now is None else now) - timestamp
    if age > tolerance_s:
        raise SignatureError(f"timestamp is {age:.0f}s old, more than the {tolerance_s:g}s allowed")
    if age < -tolerance_s:
        raise SignatureError(
            f"timestamp is {-age:.0f}s in the future, more than the {tolerance_s:g}s allowed"
        )
    if not hmac.compare_digest(match.group(1), _digest(body, secret, timestamp)):
        raise SignatureError("signature does not match the body")
