"""The sentence encoder and the reranker that uses it on long posts the first score is
unsure of."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from interdictor.detect.base import Analysis, Post
from interdictor.detect.model.classifier import (
    RERANK_BAND,
    RERANK_LABEL,
    RERANK_MIN_CHARS,
    ModelArtifact,
    ModelScorer,
    TextClassifier,
    default_model,
)
from interdictor.detect.model.encoder import DIM, SentenceEncoder, Vectors, default_encoder
from interdictor.detect.pipeline import Pipeline

# A long pharmacy spam e-mail of the 2000s kind: no slang, no drug named, all prose.
SPAM = (
    "good day , my name is robert and i represent a canadian drugstore . we supply quality "
    "generic medicine to customers in the usa and europe at very low prices , saving you up "
    "to seventy percent . all orders are reviewed by a licensed physician and shipped in "
    "discreet packages . please visit our website for more information and special offers "
    "this week ."
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return default_encoder()


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch(encoder: SentenceEncoder) -> None:
    alone = encoder.encode(["buy cheap valium online"])
    mixed = encoder.encode(
        ["a much longer sentence about the weather in the mountains today", "buy cheap valium online"]
    )
    assert alone.shape == (1, DIM)
    assert np.allclose(np.linalg.norm(mixed, axis=1), 1.0, atol=1e-5)
    assert np.allclose(alone[0], mixed[1], atol=1e-5)


def test_vectors_carry_meaning(encoder: SentenceEncoder) -> None:
    sale, paraphrase, weather = encoder.encode(
        [
            "buy cheap valium online without a prescription",
            "order sleeping pills on the internet, no doctor needed",
            "heavy snow is expected in chicago tomorrow morning",
        ]
    )
    assert sale @ paraphrase > sale @ weather + 0.2  # unit vectors: dot product is cosine


class CountingEncoder:
    """Records what it is asked to encode, and encodes it for real."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.asked: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.asked.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture()
def counting(encoder: SentenceEncoder) -> CountingEncoder:
    return CountingEncoder(encoder)


@pytest.fixture(scope="module")
def model() -> ModelArtifact:
    shipped = default_model()
    assert shipped is not None
    return shipped


def scored(model: ModelArtifact, counting: CountingEncoder, text: str) -> Analysis:
    scorer = ModelScorer(model, encoder=counting)
    return Pipeline([*Pipeline.pre_model().detectors, TextClassifier(model), scorer]).analyze(Post("p", text))


def test_long_unsure_posts_are_reranked(model: ModelArtifact, counting: CountingEncoder) -> None:
    analysis = scored(model, counting, SPAM)
    first = ModelScorer(model).scores(analysis.features)[RERANK_LABEL]
    assert len(SPAM) >= RERANK_MIN_CHARS
    assert RERANK_BAND[0] <= first <= RERANK_BAND[1], "the example must sit in the band the reranker serves"
    assert len(counting.asked) == 1
    assert f"embed_{RERANK_LABEL}" in analysis.features
    assert analysis.scores[RERANK_LABEL] != pytest.approx(first)


def test_short_posts_are_not_reranked(model: ModelArtifact, counting: CountingEncoder) -> None:
    analysis = scored(model, counting, "generic meds online, no prescription, dm for prices")
    assert counting.asked == []
    assert f"embed_{RERANK_LABEL}" not in analysis.features


def test_long_posts_with_no_drug_evidence_are_not_reranked(
    model: ModelArtifact, counting: CountingEncoder
) -> None:
    text = (
        "our quarterly planning meeting moves to thursday at ten in the large conference room . "
        "please bring the draft budget, the staffing plan for the spring and your notes from the "
        "customer visits . lunch will be provided . if you cannot attend, send your comments to "
        "the team before wednesday evening so we can include them in the discussion ."
    )
    analysis = scored(model, counting, text)
    assert counting.asked == []
    assert RERANK_LABEL not in analysis.labels
