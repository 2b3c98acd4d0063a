"""The extension point every recognizer implements.

A recognizer does one job (phone numbers, crypto addresses, ...), declares which
indicator types it can produce, and finds them in the original post text. It must
report offsets into that text and set ``value`` to exactly ``text[start:end]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from interdictor.detect.base import Indicator


class Recognizer(Protocol):
    """Finds indicators of the types it declares."""

    types: tuple[str, ...]

    def find(self, text: str) -> Iterable[Indicator]: ...


def indicator(kind: str, text: str, start: int, end: int, normalized: str) -> Indicator:
    """An :class:`Indicator` whose ``value`` is the text it was found in."""
    return Indicator(kind, text[start:end], normalized, start, end)
