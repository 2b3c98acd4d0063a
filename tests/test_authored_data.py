"""The posts written for the project: well-formed, marked as authored, and the held-out
split kept apart from training (no post in both, not even re-spaced or re-cased)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interdictor.detect.base import LABELS, SUBSTANCES
from interdictor.policy.schema import SURFACES

AUTHORED = Path(__file__).resolve().parents[1] / "data" / "authored"
FILES = sorted(AUTHORED.glob("*/*.jsonl"))


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def squeezed(text: str) -> str:
    return " ".join(text.lower().split())


def test_both_languages_have_a_training_and_a_held_out_file() -> None:
    assert {(p.parent.name, p.stem) for p in FILES} >= {
        (lang, split) for lang in ("en", "es") for split in ("train", "heldout")
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_post_is_well_formed_and_marked_authored(path: Path) -> None:
    for row in rows(path):
        assert row["source"].startswith("authored:"), row["id"]
        assert row["lang"] == path.parent.name, row["id"]
        assert row["surface"] in SURFACES, row["id"]
        assert set(row["labels"]) <= set(LABELS), row["id"]
        assert set(row["substances"]) <= set(SUBSTANCES), row["id"]
        assert not row["substances"] or "drug_sale" in row["labels"], row["id"]
        assert row["text"].strip(), row["id"]


def test_ids_are_unique_and_no_post_is_both_trained_on_and_held_out() -> None:
    ids = [r["id"] for p in FILES for r in rows(p)]
    assert len(ids) == len(set(ids))
    train = {squeezed(r["text"]) for p in FILES if p.stem == "train" for r in rows(p)}
    heldout = {squeezed(r["text"]) for p in FILES if p.stem == "heldout" for r in rows(p)}
    assert train and heldout
    assert not train & heldout
