"""Text features for the trained detector: hashed word and byte n-grams over the
normalized readings of a post, so no vocabulary has to be stored or loaded.

Byte n-grams are hashed for a whole batch at once with numpy, which is what keeps the
model fast on one core, and nothing here imports scikit-learn, which is needed only to
train.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from zlib import crc32

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from interdictor.detect.base import Analysis
from interdictor.normalize import normalize_views

WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18
CHAR_NGRAMS = (3, 4, 5)
_TOKEN = re.compile(r"\w+|[^\w\s]")
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SHIFT = np.uint64(33)


def model_text(analysis: Analysis) -> str:
    """The plain normalized reading, plus the words the leet reading changes: the model
    sees both 'm30' and 'f3nt' read as 'fent', without reading the post twice."""
    views = analysis.views or normalize_views(analysis.post.text)
    if len(views) == 1:
        return views[0].text
    plain = set(views[0].text.split())
    extra = [w for w in views[1].text.split() if w not in plain]
    return views[0].text + "\n" + " ".join(extra)


def _word_columns(text: str) -> set[int]:
    tokens = [t.encode() for t in _TOKEN.findall(text)]
    cols = {crc32(t) % WORD_FEATURES for t in tokens}
    cols.update(crc32(a + b" " + b) % WORD_FEATURES for a, b in pairwise(tokens))
    return cols


def _char_hashes(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(row, column) of every byte n-gram of every text; texts are joined by a zero byte
    and n-grams that would span two texts are dropped."""
    encoded = [(" " + " ".join(t.split()) + " ").encode() for t in texts]
    buf = np.frombuffer(b"\0".join(encoded) + b"\0", dtype=np.uint8).astype(np.uint64)
    lengths = np.array([len(e) + 1 for e in encoded])
    row_of = np.repeat(np.arange(len(texts)), lengths)
    zeros = np.concatenate(([0], np.cumsum(buf == 0)))
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        for n in CHAR_NGRAMS:
            m = len(buf) - n + 1
            if m <= 0:
                continue
            h = np.full(m, _FNV_OFFSET ^ np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = (h ^ buf[k : k + m]) * _FNV_PRIME
            h ^= h >> _SHIFT
            h *= _MIX
            h ^= h >> _SHIFT
            ok = zeros[n : n + m] == zeros[:m]
            rows.append(row_of[:m][ok])
            cols.append((h[ok] % np.uint64(CHAR_FEATURES)).astype(np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _binary_l2(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], n_rows: int, width: int
) -> sp.csr_matrix:
    """Each present column is 1, then every row scaled to unit length."""
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_rows, width))
    m.sum_duplicates()
    m.data[:] = 1.0
    norms = np.sqrt(np.diff(m.indptr)).astype(np.float32)
    norms[norms == 0] = 1.0
    m.data /= np.repeat(norms, np.diff(m.indptr))
    return m


class Featurizer:
    """Stateless: the same text always gives the same vector, in training and in use."""

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        word_sets = [_word_columns(t) for t in texts]
        w_rows = np.repeat(np.arange(len(texts)), [len(s) for s in word_sets])
        w_cols = np.fromiter((c for s in word_sets for c in s), dtype=np.int64, count=len(w_rows))
        words = _binary_l2(w_rows, w_cols, len(texts), WORD_FEATURES)
        c_rows, c_cols = _char_hashes(texts)
        chars = _binary_l2(c_rows, c_cols, len(texts), CHAR_FEATURES)
        return sp.hstack([words, chars], format="csr")
