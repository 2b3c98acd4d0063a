"""Text features for the trained detector: hashed word and character n-grams over the
normalized readings of a post, so no vocabulary has to be stored or loaded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from interdictor.detect.base import Analysis
from interdictor.normalize import normalize_views

WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18


def model_text(analysis: Analysis) -> str:
    """All normalized readings, joined: the model sees both 'm30' and de-leeted words."""
    views = analysis.views or normalize_views(analysis.post.text)
    return "\n".join(v.text for v in views)


class Featurizer:
    """Stateless: the same text always gives the same vector, in training and in use."""

    def __init__(self) -> None:
        self.word = HashingVectorizer(
            n_features=WORD_FEATURES,
            ngram_range=(1, 2),
            alternate_sign=False,
            binary=True,
            norm="l2",
            token_pattern=r"(?u)\b\w+\b|[^\w\s]",
            dtype=np.float32,
        )
        self.char = HashingVectorizer(
            n_features=CHAR_FEATURES,
            analyzer="char_wb",
            ngram_range=(2, 5),
            alternate_sign=False,
            binary=True,
            norm="l2",
            dtype=np.float32,
        )

    @property
    def n_features(self) -> int:
        return WORD_FEATURES + CHAR_FEATURES

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")
