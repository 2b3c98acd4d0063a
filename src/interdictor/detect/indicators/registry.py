"""The recognizers that run by default, and the registry that runs them."""

from __future__ import annotations

from collections.abc import Iterable

from interdictor.detect.base import INDICATOR_TYPES, Indicator
from interdictor.detect.indicators.base import Recognizer
from interdictor.detect.indicators.crypto import CryptoRecognizer
from interdictor.detect.indicators.handles import (
    SessionRecognizer,
    SignalRecognizer,
    TelegramRecognizer,
    ThreemaRecognizer,
    WhatsAppRecognizer,
    instagram,
    snapchat,
    wickr,
)
from interdictor.detect.indicators.payments import CashAppRecognizer, ZelleRecognizer, venmo
from interdictor.detect.indicators.pgp import PgpRecognizer
from interdictor.detect.indicators.phone import PhoneRecognizer
from interdictor.detect.indicators.web import WebRecognizer

_TYPE_ORDER = {kind: i for i, kind in enumerate(INDICATOR_TYPES)}


def default_recognizers() -> tuple[Recognizer, ...]:
    """One recognizer per job, covering every type in ``INDICATOR_TYPES``."""
    return (
        PhoneRecognizer(),
        WebRecognizer(),
        TelegramRecognizer(),
        WhatsAppRecognizer(),
        SignalRecognizer(),
        wickr(),
        snapchat(),
        instagram(),
        SessionRecognizer(),
        ThreemaRecognizer(),
        CashAppRecognizer(),
        venmo(),
        ZelleRecognizer(),
        CryptoRecognizer(),
        PgpRecognizer(),
    )


class RecognizerRegistry:
    """Runs a set of recognizers over a text and merges what they find."""

    def __init__(self, recognizers: Iterable[Recognizer] | None = None) -> None:
        self.recognizers: tuple[Recognizer, ...] = (
            default_recognizers() if recognizers is None else tuple(recognizers)
        )
        for recognizer in self.recognizers:
            unknown = set(recognizer.types) - set(INDICATOR_TYPES)
            if unknown:
                raise ValueError(f"{type(recognizer).__name__} declares unknown types {sorted(unknown)}")

    def extract(self, text: str) -> list[Indicator]:
        """Indicators in ``text`` by start offset; a repeated (type, normalized) keeps its first one."""
        found = [ind for recognizer in self.recognizers for ind in recognizer.find(text)]
        found.sort(key=lambda ind: (ind.start, _TYPE_ORDER[ind.type], -ind.end))
        seen: set[tuple[str, str]] = set()
        unique = []
        for ind in found:
            key = (ind.type, ind.normalized)
            if key not in seen:
                seen.add(key)
                unique.append(ind)
        return unique
