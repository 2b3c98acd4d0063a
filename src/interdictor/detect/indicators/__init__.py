"""Contact, payment and crypto indicators in post text (SPEC §2 indicator types).

Small recognizers each find one family of indicators (phones, web, messaging handles,
payment handles, crypto addresses, PGP keys) in the post's original text; a
:class:`RecognizerRegistry` runs them and merges the results. Offsets always point into
the original text and ``value == text[start:end]``.
"""

from __future__ import annotations

from interdictor.detect.base import Analysis, Evidence, Indicator
from interdictor.detect.indicators.base import Recognizer
from interdictor.detect.indicators.describe import describe
from interdictor.detect.indicators.registry import RecognizerRegistry, default_recognizers

__all__ = [
    "IndicatorDetector",
    "Recognizer",
    "RecognizerRegistry",
    "default_recognizers",
    "describe",
    "extract_indicators",
]

_DEFAULT_REGISTRY = RecognizerRegistry()


def extract_indicators(text: str) -> list[Indicator]:
    """Every indicator in ``text``, sorted by start offset, one per (type, normalized)."""
    return _DEFAULT_REGISTRY.extract(text)


class IndicatorDetector:
    """Detector step: records the post's indicators and one evidence span for each."""

    name = "indicators"

    def __init__(self, registry: RecognizerRegistry | None = None) -> None:
        self._registry = _DEFAULT_REGISTRY if registry is None else registry

    def analyze(self, analysis: Analysis) -> None:
        for found in self._registry.extract(analysis.post.text):
            analysis.indicators.append(found)
            detail = describe(found)
            analysis.evidence.append(Evidence(found.start, found.end, found.value, "indicator", detail))
