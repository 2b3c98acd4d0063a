"""The README's scan example is what `scan` really prints."""

from __future__ import annotations

import re

import orjson

from conftest import ROOT, run_cli


def test_readme_scan_example_matches_real_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", readme, re.S)
    post, shown = orjson.loads(blocks[0]), orjson.loads(blocks[1])
    proc = run_cli("scan", "-", input=orjson.dumps(post) + b"\n")
    assert proc.returncode == 0, proc.stderr
    actual = orjson.loads(proc.stdout)
    for key in ("id", "labels", "substances", "indicators"):
        assert actual[key] == shown[key], key
    assert {k: round(v, 2) for k, v in actual["scores"].items()} == {
        k: round(v, 2) for k, v in shown["scores"].items()
    }
    # The README shows the first evidence spans; the rest follow in the real output.
    assert actual["evidence"][: len(shown["evidence"])] == shown["evidence"]
