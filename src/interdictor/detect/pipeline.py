"""Compose small detectors into one analysis of a post."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from interdictor.detect.base import Analysis, Detector, Post

if TYPE_CHECKING:
    from interdictor.detect.model.classifier import ModelArtifact


@runtime_checkable
class BatchDetector(Protocol):
    """A detector that is faster on many posts at once (e.g. a vectorized model)."""

    name: str

    def analyze(self, analysis: Analysis) -> None: ...

    def analyze_batch(self, analyses: list[Analysis]) -> None: ...


class Pipeline:
    """Runs detectors in order; the last one is expected to score and decide."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = list(detectors)

    @classmethod
    def pre_model(cls) -> Pipeline:
        """The detectors whose findings the scorers read: lexicon (with the normalized
        readings), pattern cues and indicators."""
        from interdictor.detect.indicators import IndicatorDetector
        from interdictor.detect.lexicon import LexiconDetector, PatternDetector

        return cls([LexiconDetector(), PatternDetector(), IndicatorDetector()])

    @classmethod
    def rules_only(cls) -> Pipeline:
        from interdictor.detect.rules import RuleScorer

        return cls([*cls.pre_model().detectors, RuleScorer()])

    @classmethod
    def with_model(cls, model: ModelArtifact, rerank: bool = True) -> Pipeline:
        from interdictor.detect.model.classifier import ModelScorer, TextClassifier

        return cls([*cls.pre_model().detectors, TextClassifier(model), ModelScorer(model, rerank=rerank)])

    @classmethod
    def default(cls, rerank: bool = True) -> Pipeline:
        """The shipped trained model; the weighted rules if no model is installed.
        ``rerank=False`` skips the sentence model (faster on long posts, less accurate)."""
        from interdictor.detect.model.classifier import default_model

        model = default_model()
        return cls.rules_only() if model is None else cls.with_model(model, rerank)

    @property
    def model_version(self) -> str:
        """The version of the trained model that scores, or "rules" without one."""
        from interdictor.detect.model.classifier import ModelScorer

        scorers = [d for d in self.detectors if isinstance(d, ModelScorer)]
        return scorers[-1].model.version if scorers else "rules"

    @property
    def lexicon_version(self) -> str:
        """The version of the lexicon the pipeline matches, or "none" without one."""
        from interdictor.detect.lexicon import LexiconDetector

        matchers = [d for d in self.detectors if isinstance(d, LexiconDetector)]
        return matchers[0].lexicon.version if matchers else "none"

    def analyze(self, post: Post) -> Analysis:
        analysis = Analysis(post)
        for detector in self.detectors:
            detector.analyze(analysis)
        return analysis

    def analyze_batch(self, posts: Sequence[Post]) -> list[Analysis]:
        analyses = [Analysis(p) for p in posts]
        for detector in self.detectors:
            if isinstance(detector, BatchDetector):
                detector.analyze_batch(analyses)
            else:
                for analysis in analyses:
                    detector.analyze(analysis)
        return analyses
