"""The ``scan`` job: records in, one JSON line out per record, in order (SPEC §2)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import IO, Any

import orjson

from interdictor.detect.base import Analysis
from interdictor.detect.pipeline import Pipeline
from interdictor.ingest.files import Record

CHUNK = 256
# One output line: its bytes, the labels it carries, whether it is an error line.
Line = tuple[bytes, tuple[str, ...], bool]


@dataclass(slots=True)
class ScanStats:
    posts: int = 0
    errors: int = 0
    flagged: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def posts_per_second(self) -> float:
        return (self.posts + self.errors) / self.seconds if self.seconds > 0 else 0.0


@cache
def _worker_pipeline(rerank: bool = True) -> Pipeline:
    """One pipeline per process: each worker loads the lexicon and model once."""
    return Pipeline.default(rerank)


def _error_line(line: int, message: str, pid: str | None) -> Line:
    err: dict[str, Any] = {"line": line, "error": message}
    if pid is not None:
        err["id"] = pid
    return orjson.dumps(err), (), True


def _result_line(analysis: Analysis) -> Line:
    return orjson.dumps(analysis.to_json()), tuple(analysis.labels), False


def scan_chunk(records: list[Record], pipe: Pipeline) -> list[Line]:
    """Scan a batch of records into output lines; one bad post never stops the batch."""
    good = [r for r in records if r.post is not None]
    results: dict[int, Line] = {}
    try:
        for rec, analysis in zip(good, pipe.analyze_batch([r.post for r in good if r.post]), strict=True):
            results[rec.line] = _result_line(analysis)
    except Exception:
        # Find the post that broke the batch; it alone gets an error line.
        for rec in good:
            assert rec.post is not None
            try:
                results[rec.line] = _result_line(pipe.analyze(rec.post))
            except Exception as exc:
                results[rec.line] = _error_line(rec.line, f"internal error: {exc!r}", rec.post.id)
    return [
        results[r.line] if r.post is not None else _error_line(r.line, r.error or "unreadable", r.id)
        for r in records
    ]


def _scan_in_worker(records: list[Record], rerank: bool) -> list[Line]:
    return scan_chunk(records, _worker_pipeline(rerank))


def chunked(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def _parallel(records: Iterable[Record], workers: int, rerank: bool) -> Iterator[list[Line]]:
    """Chunks scanned by a process pool, in input order, with a bounded window in
    flight so memory stays flat however large the input."""
    window = workers * 4
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_pipeline, initargs=(rerank,)) as pool:
        pending: list[Future[list[Line]]] = []
        for chunk in chunked(records, CHUNK):
            pending.append(pool.submit(_scan_in_worker, chunk, rerank))
            if len(pending) >= window:
                yield pending.pop(0).result()
        for fut in pending:
            yield fut.result()


def write_lines(lines: Iterable[Line], out: IO[bytes], stats: ScanStats) -> None:
    """Write one batch of output lines and count them."""
    buf = bytearray()
    for data, labels, is_error in lines:
        buf += data
        buf += b"\n"
        if is_error:
            stats.errors += 1
        else:
            stats.posts += 1
            stats.flagged.update(labels)
    out.write(buf)


def scan_records(
    records: Iterable[Record],
    out: IO[bytes],
    workers: int = 1,
    on_chunk: Callable[[int], None] | None = None,
    rerank: bool = True,
) -> ScanStats:
    """Scan ``records`` and write one JSON line per record to ``out``."""
    stats = ScanStats()
    started = time.perf_counter()
    if workers > 1:
        batches: Iterable[list[Line]] = _parallel(records, workers, rerank)
    else:
        pipeline = _worker_pipeline(rerank)
        batches = (scan_chunk(c, pipeline) for c in chunked(records, CHUNK))
    for lines in batches:
        write_lines(lines, out, stats)
        if on_chunk is not None:
            on_chunk(len(lines))
    out.flush()
    stats.seconds = time.perf_counter() - started
    return stats


def open_output(path: str | None) -> IO[bytes]:
    if path is None or path == "-":
        return sys.stdout.buffer
    return open(path, "wb")
