"""Compose small detectors into one analysis of a post."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interdictor.detect.base import Analysis, Detector, Post


class Pipeline:
    """Runs detectors in order; the last one is expected to score and decide."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = list(detectors)

    @classmethod
    def default(cls) -> Pipeline:
        """Normalizer + lexicon, pattern cues, indicators, then the scorer."""
        from interdictor.detect.indicators import IndicatorDetector
        from interdictor.detect.lexicon import LexiconDetector, PatternDetector
        from interdictor.detect.rules import RuleScorer

        return cls([LexiconDetector(), PatternDetector(), IndicatorDetector(), RuleScorer()])

    def analyze(self, post: Post) -> Analysis:
        analysis = Analysis(post)
        for detector in self.detectors:
            detector.analyze(analysis)
        return analysis

    def scan_one(self, post: Post) -> dict[str, Any]:
        """The scan output line for one post (SPEC §2)."""
        return self.analyze(post).to_json()
