"""The trained detector: a linear text model per label, stacked with the rule features
into calibrated scores, and a substance model.

The model is a plain ``.npz`` of arrays (no pickle, nothing executable) shipped in the
package and rebuilt by ``interdictor train`` (``make model``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from interdictor.detect.base import LABELS, SUBSTANCES, Analysis
from interdictor.detect.model.features import Featurizer, model_text
from interdictor.detect.rules import THRESHOLD, counted_hits, decide, rule_features, sigmoid

# What the stacker sees for each label: the text model's logit and the rule features.
STACK_FEATURES = ("model", "drug", "sale", "recruit", "negative")
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
                # int8 with one scale per row: a quarter of the size, no loss that moves a score.
                scale = np.maximum(np.abs(value).max(axis=1), 1e-12) / 127.0
                arrays[name] = np.round(value / scale[:, None]).astype(np.int8)
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


def stack_vector(features: dict[str, float], label: str) -> list[float]:
    return [
        features.get(f"model_{label}", 0.0) if f == "model" else features.get(f, 0.0) for f in STACK_FEATURES
    ]


class ModelScorer:
    """Calibrated scores from the text model and the rule features together."""

    name = "model_scorer"

    def __init__(self, model: ModelArtifact, threshold: float = THRESHOLD) -> None:
        self.model = model
        self.threshold = threshold

    def analyze(self, analysis: Analysis) -> None:
        counted = counted_hits(analysis)
        analysis.features.update(rule_features(analysis, counted))
        analysis.scores.update(self.scores(analysis.features))
        decide(analysis, self.threshold, counted)
        if "drug_sale" in analysis.labels:
            analysis.substances = merge_substances(analysis.substances, analysis.features)

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
            score = sigmoid(float(z))
            if label in NEEDS_EVIDENCE and not features.get(f"evidence_{label}", 1.0):
                score = min(score, NO_EVIDENCE_CAP)
            out[label] = score
        return out


def merge_substances(from_lexicon: list[str], features: dict[str, float]) -> list[str]:
    """Lexicon evidence first; then what the model is confident of (or its best guess
    when the lexicon found nothing)."""
    probs = sorted(((features.get(f"substance:{s}", 0.0), s) for s in SUBSTANCES), reverse=True)
    out = list(from_lexicon)
    for p, s in probs:
        if s not in out and (p >= 0.5 or (not out and p >= 0.25)):
            out.append(s)
    return out
