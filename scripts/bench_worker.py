"""Measure the stream worker end to end: posts pushed to Redis until all are stored and decided.

    python scripts/bench_worker.py [--posts 20000] [--batch 100] [--workers 1]
                                   [--database-url URL] [--redis-url URL]

Posts are the bundled sample posts repeated, each with its own id. The workers are real
``interdictor worker`` processes on a fresh stream; they are started and have joined the
group before the clock starts. The database is a new SQLite file unless ``--database-url``
is given (it is migrated; the posts' ids are new on every run).
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from itertools import cycle, islice
from pathlib import Path

import redis

from interdictor.detect.base import Post
from interdictor.ingest.files import PostReader
from interdictor.ingest.stream import GROUP, dead_stream_of, push_posts
from interdictor.store.db import upgrade

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "posts.jsonl"


def posts(n: int, run: str) -> list[Post]:
    sample = [r.post for r in PostReader(str(SAMPLE)) if r.post is not None]
    return [dataclasses.replace(p, id=f"bench-{run}-{i}") for i, p in enumerate(islice(cycle(sample), n))]


def group_info(client: redis.Redis, stream: str) -> dict[str, int]:
    """The group's ``entries-read`` and ``pending``, zero before it exists."""
    try:
        groups = client.xinfo_groups(stream)
    except redis.ResponseError:
        return {"entries-read": 0, "pending": 0, "consumers": 0}
    group = next((g for g in groups if g["name"] in (GROUP, GROUP.encode())), None)
    if group is None:
        return {"entries-read": 0, "pending": 0, "consumers": 0}
    return {k: int(group[k] or 0) for k in ("entries-read", "pending", "consumers")}


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    a = ap.parse_args()
    run = uuid.uuid4().hex[:12]
    stream = f"interdictor:bench:{run}"
    client = redis.Redis.from_url(a.redis_url)
    batch = posts(a.posts, run)
    with tempfile.TemporaryDirectory() as tmp:
        url = a.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        command = [sys.executable, "-m", "interdictor.cli", "worker", "--redis-url", a.redis_url]
        command += ["--database-url", url, "--stream", stream, "--batch", str(a.batch)]
        logs = [Path(tmp) / f"worker{i}.log" for i in range(a.workers)]
        workers = [start([*command, "--consumer", f"bench-{i}"], log) for i, log in enumerate(logs)]
        try:
            while group_info(client, stream)["consumers"] < a.workers:
                if any(w.poll() is not None for w in workers):
                    sys.exit("a worker exited:\n" + "\n".join(log.read_text() for log in logs))
                time.sleep(0.1)
            started = time.perf_counter()
            push_posts(client, batch, stream)
            pushed = time.perf_counter() - started
            while True:
                info = group_info(client, stream)
                if info["entries-read"] >= a.posts and info["pending"] == 0:
                    break
                time.sleep(0.05)
            total = time.perf_counter() - started
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait()
            client.delete(stream, dead_stream_of(stream))
        lines = [line for log in logs for line in log.read_text().splitlines()]
    summaries = [line for line in lines if line.startswith("worker ")]
    database = url.split(":", 1)[0] if a.database_url else "sqlite (temporary file)"
    print(f"{a.posts:,} posts, batch {a.batch}, {a.workers} worker(s), {database}")
    print(f"push:       {pushed:7.2f} s  {a.posts / pushed:9,.0f} posts/s")
    print(f"end to end: {total:7.2f} s  {a.posts / total:9,.0f} posts/s")
    for line in summaries:
        print(f"  {line}")


if __name__ == "__main__":
    main()
