"""The ``scan`` job on a Ray cluster, with Ray Data (``interdictor scan --engine ray``).

Only the driver reads the input, so it may be standard input as well as a file. A
feeder thread reads records in blocks of ``BLOCK`` and puts each block into the object
store; a queue of at most ``QUEUE_BLOCKS`` references carries them to a single task
that hands them to Ray Data. While the queue is full the feeder waits, so the driver
holds a few blocks however large the input. An actor pool scans the blocks (each actor
builds the pipeline once) and the driver writes the output lines in input order.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import IO

import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy, DataContext
from ray.util.queue import Queue

from interdictor.detect.pipeline import Pipeline
from interdictor.detect.scan import CHUNK, ScanStats, chunked, scan_chunk, write_lines
from interdictor.ingest.files import Record

BLOCK = 4 * CHUNK
QUEUE_BLOCKS = 8


def _to_block(records: list[Record]) -> pa.Table:
    # Records are pickled whole, so workers see exactly the posts the local engine sees.
    return pa.table(
        {"record": pa.array([pickle.dumps(r, pickle.HIGHEST_PROTOCOL) for r in records], pa.binary())}
    )


def _drain(_seed: pa.Table, queue: Queue) -> Iterator[pa.Table]:
    """The source of the dataset: yields, in order, the blocks the driver puts on ``queue``."""
    while (item := queue.get()) is not None:
        yield ray.get(item[0])


class _Scanner:
    """A Ray Data actor: the pipeline (the model) is built once, then scans batch after batch."""

    def __init__(self, rerank: bool) -> None:
        self.pipeline = Pipeline.default(rerank)

    def __call__(self, batch: pa.Table) -> pa.Table:
        records = [pickle.loads(b) for b in batch.column("record").to_pylist()]
        lines = scan_chunk(records, self.pipeline)
        return pa.table(
            {
                "data": pa.array([data for data, _, _ in lines], pa.binary()),
                "labels": pa.array([list(labels) for _, labels, _ in lines], pa.list_(pa.string())),
                "error": pa.array([is_error for _, _, is_error in lines], pa.bool_()),
            }
        )


class _Feeder(threading.Thread):
    """Reads records in the driver and queues them block by block; a reading error is
    kept for the driver to raise once the blocks already queued are written."""

    def __init__(self, records: Iterable[Record], queue: Queue) -> None:
        # A daemon, so a driver that fails while the feeder waits on a full queue still exits.
        super().__init__(name="interdictor-ray-feeder", daemon=True)
        self.records = records
        self.queue = queue
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            try:
                for block in chunked(self.records, BLOCK):
                    # Wrapped in a list, so the queue carries the reference, not the block.
                    self.queue.put([ray.put(_to_block(block))])
            finally:
                self.queue.put(None)
        except BaseException as exc:
            self.error = exc


def _connect(address: str | None) -> bool:
    """Start or join Ray; True if this call started it (and so must shut it down)."""
    if ray.is_initialized():
        return False
    # Ray's start-up and Ray Data's execution notes would bury the command's own summary.
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    if address is None:
        ray.init(
            num_cpus=os.cpu_count(),
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    else:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    return True


def _write(lines: pa.Table, out: IO[bytes], stats: ScanStats) -> None:
    """Write one batch of output lines and count them, as the local engine does."""
    columns = (lines.column(name).to_pylist() for name in ("data", "labels", "error"))
    write_lines(zip(*columns, strict=True), out, stats)


def _scan(
    records: Iterable[Record],
    out: IO[bytes],
    queue: Queue,
    on_chunk: Callable[[int], None] | None,
    rerank: bool,
) -> ScanStats:
    stats = ScanStats()
    started = time.perf_counter()
    ctx = DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False  # the command draws its own
    # Ray Data gathers a task's output into blocks of up to this size (128 MiB by
    # default), so the single source task would hold back ~200,000 posts and hand them
    # all to one scanner; blocks of about a thousand posts keep every scanner busy.
    ctx.target_max_block_size = 1 << 20
    feeder = _Feeder(records, queue)
    feeder.start()
    # A one-row seed whose single map task streams the driver's blocks in: public Dataset
    # calls only, so it works across Ray versions. Neither takes a CPU (the task only
    # waits on the queue), so a pool holding every CPU cannot starve the input.
    ds = ray.data.from_items([0]).map_batches(
        partial(_drain, queue=queue), batch_size=None, batch_format="pyarrow", num_cpus=0
    )
    # One scanner per CPU from the start (a pool grown from one ramps up slowly), and
    # more if the cluster grows.
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
    ds = ds.map_batches(
        _Scanner,
        batch_size=CHUNK,
        batch_format="pyarrow",
        compute=ActorPoolStrategy(min_size=cpus, max_size=None),
        num_cpus=1,
        fn_constructor_kwargs={"rerank": rerank},
    )
    for lines in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        _write(lines, out, stats)
        if on_chunk is not None:
            on_chunk(len(lines))
    out.flush()
    feeder.join()
    if feeder.error is not None:
        raise feeder.error
    stats.seconds = time.perf_counter() - started
    return stats


def scan_with_ray(
    records: Iterable[Record],
    out: IO[bytes],
    address: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
    rerank: bool = True,
) -> ScanStats:
    """Scan ``records`` on Ray and write one JSON line per record to ``out``, as
    :func:`~interdictor.detect.scan.scan_records` does. ``address`` is ``None`` for a
    Ray started here on all local CPUs, or ``auto`` or ``host:port`` for the cluster this
    machine is part of (Ray Data does not run through Ray Client, ``ray://``)."""
    started_ray = _connect(address)
    try:
        queue = Queue(maxsize=QUEUE_BLOCKS, actor_options={"num_cpus": 0})
        try:
            return _scan(records, out, queue, on_chunk, rerank)
        finally:
            queue.shutdown(force=True)  # also releases a feeder left waiting on a full queue
    finally:
        if started_ray:
            ray.shutdown()
