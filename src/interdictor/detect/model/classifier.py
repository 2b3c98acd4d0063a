"""The trained detector: a linear text model per label, stacked with the rule features
into calibrated scores, and a substance model. Long posts the stack is unsure of are
scored again with a sentence embedding as one more stack feature (the reranker).

The model is a plain ``.npz`` of arrays (no pickle, nothing executable) shipped in the
package and rebuilt by ``interdictor train`` (``make model``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from interdictor.detect.base import LABELS, SUBSTANCES, Analysis
from interdictor.detect.model.features import Featurizer, model_text
from interdictor.detect.rules import THRESHOLD, counted_hits, decide, rule_features, sigmoid

if TYPE_CHECKING:
    from interdictor.detect.model.encoder import Encoder

# What the stacker sees for each label: the text model's logit and the rule features.
STACK_FEATURES = ("model", "drug", "sale", "recruit", "negative")
# The reranker's stacker sees those and the embedding model's logit, for drug sales:
# recruitment has no real long-form data to learn or check it on.
RERANK_LABEL = "drug_sale"
RERANK_FEATURES = (*STACK_FEATURES, "embed")
# Which posts are reranked: longer than a short social post, with a first score that
# is neither a clear no nor a clear yes. Both bounds keep short-post scans at full speed.
RERANK_MIN_CHARS = 281
RERANK_BAND = (0.1, 0.9)
NO_EVIDENCE_CAP = 0.4
NEEDS_EVIDENCE = frozenset({"drug_sale"})
MODEL_FILE = "model.npz"
ARRAYS = (
    "label_coef",
    "label_intercept",
    "stack_coef",
    "stack_intercept",
    "substance_coef",
    "substance_intercept",
    "embed_coef",
    "embed_intercept",
    "rerank_coef",
    "rerank_intercept",
)
QUANTIZED = frozenset({"label_coef", "substance_coef"})
META_FILE = "model.json"

Array = npt.NDArray[np.float32]


@dataclass
class ModelArtifact:
    label_coef: Array  # (labels, features)
    label_intercept: Array  # (labels,)
    stack_coef: Array  # (labels, len(STACK_FEATURES))
    stack_intercept: Array  # (labels,)
    substance_coef: Array  # (substances, word features): names carry the substance
    substance_intercept: Array  # (substances,)
    embed_coef: Array  # (embedding dimensions,): RERANK_LABEL from the sentence embedding
    embed_intercept: Array  # (1,)
    rerank_coef: Array  # (len(RERANK_FEATURES),)
    rerank_intercept: Array  # (1,)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Package version and training-data hash: what stored detections cite."""
        return f"{self.meta.get('interdictor', '?')}+{str(self.meta.get('data_sha256', ''))[:12]}"

    @cached_property
    def label_weights(self) -> Array:
        """(features, labels), contiguous: sparse @ dense would copy a transposed view per batch."""
        return np.ascontiguousarray(self.label_coef.T)

    @cached_property
    def substance_weights(self) -> Array:
        return np.ascontiguousarray(self.substance_coef.T)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        for name in ARRAYS:
            value = getattr(self, name)
            if name in QUANTIZED:
                # int16 with one scale per row: half of float32, and scores move by under 1e-4
                # (int8 moved some by 0.016, enough to flip a post at the threshold).
                scale = np.maximum(np.abs(value).max(axis=1), 1e-12) / 32767.0
                arrays[name] = np.round(value / scale[:, None]).astype(np.int16)
                arrays[f"{name}_scale"] = scale.astype(np.float32)
            else:
                arrays[name] = value.astype(np.float32)
        np.savez_compressed(directory / MODEL_FILE, **arrays)
        (directory / META_FILE).write_text(
            json.dumps(self.meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> ModelArtifact:
        with np.load(directory / MODEL_FILE) as z:
            arrays = {
                name: (
                    z[name].astype(np.float32) * z[f"{name}_scale"][:, None] if name in QUANTIZED else z[name]
                )
                for name in ARRAYS
            }
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls(meta=meta, **arrays)


def packaged_model_dir() -> Path:
    """Where the package keeps its model (``interdictor train`` writes there by default)."""
    with as_file(files("interdictor.detect.model").joinpath("data")) as path:
        return path


@cache
def default_model() -> ModelArtifact | None:
    """The model shipped in the package, or None if it has not been built."""
    directory = packaged_model_dir()
    return ModelArtifact.load(directory) if (directory / MODEL_FILE).is_file() else None


class TextClassifier:
    """Adds the text model's logits (``model_<label>``) and substance probabilities
    (``substance:<name>``) to each analysis; vectorizes a whole batch at once."""

    name = "classifier"

    def __init__(self, model: ModelArtifact) -> None:
        self.model = model
        self.featurizer = Featurizer()

    def analyze(self, analysis: Analysis) -> None:
        self.analyze_batch([analysis])

    def analyze_batch(self, analyses: list[Analysis]) -> None:
        if not analyses:
            return
        x = self.featurizer.transform([model_text(a) for a in analyses])
        for a, features in zip(analyses, text_features(self.model, x), strict=True):
            a.features.update(features)


def text_features(model: ModelArtifact, x: Any) -> list[dict[str, float]]:
    """Per row of the feature matrix: label logits and substance probabilities."""
    logits = np.asarray(x @ model.label_weights) + model.label_intercept
    words = x[:, : model.substance_coef.shape[1]]
    subs = 1.0 / (1.0 + np.exp(-(np.asarray(words @ model.substance_weights) + model.substance_intercept)))
    out = []
    for row, srow in zip(logits, subs, strict=True):
        f = {f"model_{label}": float(z) for label, z in zip(LABELS, row, strict=True)}
        f.update({f"substance:{name}": float(p) for name, p in zip(SUBSTANCES, srow, strict=True)})
        out.append(f)
    return out


def stack_vector(
    features: dict[str, float], label: str, names: tuple[str, ...] = STACK_FEATURES
) -> list[float]:
    """The stacker's inputs; "model" and "embed" are the label's own logits."""
    return [
        features.get(f"{f}_{label}", 0.0) if f in ("model", "embed") else features.get(f, 0.0) for f in names
    ]


class ModelScorer:
    """Calibrated scores from the text model and the rule features together; long posts
    in the uncertain band are rescored with the sentence embedding."""

    name = "model_scorer"

    def __init__(
        self,
        model: ModelArtifact,
        threshold: float = THRESHOLD,
        encoder: Encoder | None = None,
        rerank: bool = True,
    ) -> None:
        self.model = model
        self.threshold = threshold
        self._encoder = encoder
        self.rerank = rerank

    @property
    def encoder(self) -> Encoder:
        """Loaded on first use, so scans of short posts never load the transformer."""
        if self._encoder is None:
            from interdictor.detect.model.encoder import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    def analyze(self, analysis: Analysis) -> None:
        self.analyze_batch([analysis])

    def analyze_batch(self, analyses: list[Analysis]) -> None:
        counted = [counted_hits(a) for a in analyses]
        for a, c in zip(analyses, counted, strict=True):
            a.features.update(rule_features(a, c))
            a.scores.update(self.scores(a.features))
        unsure = [a for a in analyses if self.needs_rerank(a)]
        if unsure:
            vectors = self.encoder.encode([model_text(a) for a in unsure])
            logits = vectors @ self.model.embed_coef + self.model.embed_intercept[0]
            for a, z in zip(unsure, logits, strict=True):
                a.features[f"embed_{RERANK_LABEL}"] = float(z)
                a.scores[RERANK_LABEL] = self.rerank_score(a.features)
        for a, c in zip(analyses, counted, strict=True):
            decide(a, self.threshold, c)
            if "drug_sale" in a.labels:
                a.substances = merge_substances(a.substances, a.features)

    def needs_rerank(self, analysis: Analysis) -> bool:
        low, high = RERANK_BAND
        return (
            self.rerank
            and len(analysis.post.text) >= RERANK_MIN_CHARS
            and low <= analysis.scores[RERANK_LABEL] <= high
            and self.has_evidence(analysis.features, RERANK_LABEL)
        )

    @staticmethod
    def has_evidence(features: dict[str, float], label: str) -> bool:
        return label not in NEEDS_EVIDENCE or bool(features.get(f"evidence_{label}", 1.0))

    def scores(self, features: dict[str, float]) -> dict[str, float]:
        """Calibrated label scores from the text logits and rule features. A post with
        no drug, sale or indicator finding at all stays below the drug_sale threshold:
        to the text model, short vocabulary-free posts look like listing titles."""
        out = {}
        for k, label in enumerate(LABELS):
            z = (
                np.dot(self.model.stack_coef[k], stack_vector(features, label))
                + self.model.stack_intercept[k]
            )
            out[label] = self._capped(sigmoid(float(z)), features, label)
        return out

    def rerank_score(self, features: dict[str, float]) -> float:
        z = np.dot(self.model.rerank_coef, stack_vector(features, RERANK_LABEL, RERANK_FEATURES))
        return self._capped(sigmoid(float(z + self.model.rerank_intercept[0])), features, RERANK_LABEL)

    def _capped(self, score: float, features: dict[str, float], label: str) -> float:
        return score if self.has_evidence(features, label) else min(score, NO_EVIDENCE_CAP)


def merge_substances(from_lexicon: list[str], features: dict[str, float]) -> list[str]:
    """Lexicon evidence first; then what the model is confident of (or its best guess
    when the lexicon found nothing)."""
    probs = sorted(((features.get(f"substance:{s}", 0.0), s) for s in SUBSTANCES), reverse=True)
    out = list(from_lexicon)
    for p, s in probs:
        if s not in out and (p >= 0.5 or (not out and p >= 0.25)):
            out.append(s)
    return out
