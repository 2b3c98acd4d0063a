"""``scan --engine ray`` on a real local Ray instance gives the local engine's bytes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import run_cli
from test_rerank import SPAM

TEXTS = [
    "🔌 got blues m30s 💊 5 for 100, tap in on tele @plugexample",
    "Se buscan choferes con troca, pago por viaje $2000, zona Laredo",
    "ｘ\u200bａｎａｘ bars, no prescription, ships today",
    "hello world, nice weather for a walk",
    "selling my old bike, dm me, paypal ok",
]
BAD = [
    b"this line is not json",
    b'{"id": "m"}',
    b'{"text": "no id here"}',
    b'{"id": "n", "text": 42}',
    b'["an", "array"]',
    b'{"id": "u", "text": "caf\xe9 \xff"}',
    b"",
]


def _words(stderr: bytes) -> str:
    """The message without the line breaks and box the terminal layout adds."""
    return " ".join(stderr.decode().replace("│", " ").split())


@pytest.fixture
def posts(write_jsonl: Callable[[list[object]], Path]) -> Path:
    # Enough lines for several blocks, so order across blocks and actors is exercised.
    rows: list[object] = []
    for i in range(2600):
        if i % 97 == 13:
            rows.append(BAD[i % len(BAD)])
        elif i % 50 == 7:
            # Long and unsure: the actors load the sentence model too.
            rows.append({"id": f"p{i}", "text": f"{SPAM} #{i}", "surface": "email"})
        else:
            rows.append(
                {
                    "id": f"p{i}",
                    "text": f"{TEXTS[i % len(TEXTS)]} #{i}",
                    "surface": "social_post",
                    "source": "test",
                }
            )
    return write_jsonl(rows)


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'interdictor[ray]')"
)
def test_ray_engine_output_is_byte_identical_to_local(posts: Path, tmp_path: Path) -> None:
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    proc = run_cli("scan", str(posts), "-o", str(local), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("scan", str(posts), "-o", str(distributed), "--engine", "ray")
    assert proc.returncode == 0, proc.stderr
    assert b"posts scanned" in proc.stderr
    assert distributed.read_bytes() == local.read_bytes()
    assert distributed.read_bytes().count(b"\n") == posts.read_bytes().count(b"\n")


def test_unknown_engine_is_refused(posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run_cli("scan", str(posts), "-o", str(out), "--engine", "spark")
    assert proc.returncode == 2
    assert "'spark' is not one of 'local', 'ray'" in _words(proc.stderr)
    assert not out.exists()


def test_ray_address_needs_the_ray_engine(posts: Path) -> None:
    proc = run_cli("scan", str(posts), "-o", "-", "--ray-address", "auto")
    assert proc.returncode == 2
    assert "--ray-address needs --engine ray" in _words(proc.stderr)


def test_missing_ray_says_how_to_install(posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    # None in sys.modules makes ``import ray`` fail as if Ray were not installed.
    code = (
        "import sys; sys.modules['ray'] = None; from interdictor.cli import main; "
        f"sys.argv = ['interdictor', 'scan', {str(posts)!r}, '-o', {str(out)!r}, '--engine', 'ray']; "
        "main()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "pip install 'interdictor[ray]'" in _words(proc.stderr)
    assert not out.exists()
