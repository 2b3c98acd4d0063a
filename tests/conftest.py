from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real command line in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "interdictor.cli", *args],
        input=input,
        capture_output=True,
        timeout=300,
        check=False,
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[list[object]], Path]:
    def write(rows: list[object], name: str = "in.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in rows))
        return path

    return write
