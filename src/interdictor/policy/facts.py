"""What a policy reads from a detection: scores, labels, substances, indicator types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class Detection(Protocol):
    """The detector's :class:`~interdictor.detect.base.Analysis` or a stored detection.

    Indicators may be objects with a ``type`` attribute (``Indicator``) or their JSON
    form, mappings with a ``"type"`` key, as a store keeps them.
    """

    @property
    def scores(self) -> Mapping[str, float]: ...

    @property
    def labels(self) -> Sequence[str]: ...

    @property
    def substances(self) -> Sequence[str]: ...

    @property
    def indicators(self) -> Sequence[object]: ...


def indicator_type(indicator: object) -> str | None:
    value = indicator.get("type") if isinstance(indicator, Mapping) else getattr(indicator, "type", None)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Facts:
    """One detection reduced to what rule conditions test, with the post's surface."""

    scores: Mapping[str, float]
    labels: frozenset[str]
    substances: frozenset[str]
    indicator_types: frozenset[str]
    surface: str | None

    @classmethod
    def of(cls, result: Detection, surface: str | None = None) -> Facts:
        types = (indicator_type(i) for i in result.indicators)
        return cls(
            scores=dict(result.scores),
            labels=frozenset(result.labels),
            substances=frozenset(result.substances),
            indicator_types=frozenset(t for t in types if t is not None),
            surface=surface,
        )
