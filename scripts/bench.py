"""Measure ``scan`` throughput against the floor: reading, parsing and writing the
same posts and doing nothing else.

    python scripts/bench.py [--posts 100000] [--workers 1 2] [--max-chars 280]

Posts are drawn, in a fixed order, from the bundled sample and authored posts and,
when present, the labelled data in ../shared/data, so the mix is that of real posts;
``--max-chars`` keeps only posts up to that length (social-media posts are short).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import orjson

from interdictor.detect.scan import scan_records
from interdictor.ingest.files import PostReader

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "data", ROOT.parent / "shared" / "data"]


def corpus(n: int, max_chars: int | None) -> list[bytes]:
    texts: list[str] = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.jsonl")):
            for line in path.read_bytes().splitlines():
                text = orjson.loads(line).get("text")
                if isinstance(text, str) and (max_chars is None or len(text) <= max_chars):
                    texts.append(text)
    return [
        orjson.dumps({"id": f"b{i}", "text": t, "surface": "social_post"})
        for i, t in enumerate(islice(cycle(texts), n))
    ]


def floor(path: Path, out: Path) -> float:
    started = time.perf_counter()
    with out.open("wb") as fh:
        for rec in PostReader(str(path)):
            if rec.post is not None:
                fh.write(
                    orjson.dumps(
                        {
                            "id": rec.post.id,
                            "labels": [],
                            "scores": {},
                            "substances": [],
                            "indicators": [],
                            "evidence": [],
                        }
                    )
                    + b"\n"
                )
    return time.perf_counter() - started


def scan(path: Path, out: Path, workers: int) -> float:
    with out.open("wb") as fh:
        stats = scan_records(PostReader(str(path)), fh, workers)
    return stats.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--max-chars", type=int, default=None)
    a = ap.parse_args()
    lines = corpus(a.posts, a.max_chars)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        chars = sum(len(orjson.loads(x)["text"]) for x in lines) / len(lines)
        print(f"{a.posts:,} posts, mean {chars:.0f} characters, {path.stat().st_size / 1e6:.1f} MB")
        base = floor(path, Path(tmp) / "floor.jsonl")
        print(f"floor (read, parse, write): {a.posts / base:>10,.0f} posts/s")
        single = None
        for w in a.workers:
            secs = scan(path, Path(tmp) / f"scan{w}.jsonl", w)
            single = single or secs
            print(
                f"scan, {w} worker(s):        {a.posts / secs:>10,.0f} posts/s  "
                f"floor/scan time ratio {secs / base:5.1f}x  speed-up vs 1 worker {single / secs:.2f}x"
            )


if __name__ == "__main__":
    main()
