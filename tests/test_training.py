"""Training is reproducible, the model round-trips, and `evaluate` reports on users' data."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import orjson
import pytest
import scipy.sparse as sp

from conftest import ROOT, run_cli
from interdictor.detect.base import LABELS, Post
from interdictor.detect.model.classifier import ModelArtifact
from interdictor.detect.model.training import (
    C_TEXT,
    Example,
    _lr,
    _oof_logits,
    fit,
    fit_prepared,
    holdouts,
    load_examples,
    padding_vocabulary,
    prepare,
)
from interdictor.detect.pipeline import Pipeline
from interdictor.ingest.files import InputError
from interdictor.normalize.evasion import pad

AUTHORED = ROOT / "data" / "authored"


@pytest.fixture(scope="module")
def small_set() -> list[Example]:
    examples = load_examples(sorted(AUTHORED.glob("*/train.jsonl")))
    return examples[::12]


def digest(directory: Path) -> str:
    return hashlib.sha256(
        (directory / "model.npz").read_bytes() + (directory / "model.json").read_bytes()
    ).hexdigest()


def test_same_data_and_seed_give_the_same_model(small_set: list[Example], tmp_path: Path) -> None:
    fit(small_set, seed=7).save(tmp_path / "a")
    fit(small_set, seed=7).save(tmp_path / "b")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_saved_model_loads_and_scores(small_set: list[Example], tmp_path: Path) -> None:
    fit(small_set, seed=7).save(tmp_path / "m")
    model = ModelArtifact.load(tmp_path / "m")
    assert model.meta["seed"] == 7 and model.meta["examples"] >= len(small_set)
    a = Pipeline.with_model(model).analyze(Post("x", "se buscan choferes, pago por viaje, zona Laredo"))
    assert 0.0 <= a.scores["smuggling_recruitment"] <= 1.0
    assert "model_smuggling_recruitment" in a.features


def test_the_saved_model_scores_as_the_trained_one(small_set: list[Example], tmp_path: Path) -> None:
    """Weights are stored compressed; what ships must be what was measured."""
    trained = fit(small_set, seed=7)
    trained.save(tmp_path / "m")
    posts = [e.post for e in small_set[:200]]
    before = Pipeline.with_model(trained).analyze_batch(posts)
    after = Pipeline.with_model(ModelArtifact.load(tmp_path / "m")).analyze_batch(posts)
    for a, b in zip(before, after, strict=True):
        for label in LABELS:
            assert abs(a.scores[label] - b.scores[label]) < 1e-3, (a.post.id, label)


def test_padding_buries_the_post_in_filler_without_changing_it() -> None:
    filler = ["gallinaceous", "turfite", "sepulchral"]
    padded = pad("cheap xanax overnight", random.Random(3), filler).split()
    assert [w for w in padded if w not in filler] == ["cheap", "xanax", "overnight"]
    assert len(padded) >= 6


def test_filler_comes_from_ordinary_posts_and_never_names_a_drug() -> None:
    def example(n: int, text: str, labels: frozenset[str] = frozenset()) -> Example:
        return Example(Post(str(n), text), labels, (), "test")

    vocabulary = padding_vocabulary(
        [
            example(1, "Lovely weather, took my xanax after the picnic"),
            example(2, "Lovely picnic, no xanax needed"),
            example(3, "stealth shipping, lovely xanax", frozenset({"drug_sale"})),
            example(4, "stealth shipping worldwide", frozenset({"drug_sale"})),
        ]
    )
    assert vocabulary == ["lovely", "picnic"]


def test_padded_copies_keep_their_post_and_train_the_drug_sale_model_only(small_set: list[Example]) -> None:
    prep = prepare(small_set, seed=7)
    padded = np.flatnonzero(prep.is_padded)
    assert len(padded) > len(small_set) // 8 and prep.is_copy[padded].all()
    for i in padded:
        words = iter(prep.examples[i].post.text.split(" "))
        assert all(w in words for w in prep.examples[prep.origin[i]].post.text.split(" "))
    everything = fit_prepared(prep, np.arange(len(prep.examples)), seed=7)
    unpadded = fit_prepared(prep, np.flatnonzero(~prep.is_padded), seed=7)
    drug, recruit = LABELS.index("drug_sale"), LABELS.index("smuggling_recruitment")
    assert np.array_equal(everything.label_coef[recruit], unpadded.label_coef[recruit])
    assert not np.array_equal(everything.label_coef[drug], unpadded.label_coef[drug])


def test_data_with_no_unlabelled_posts_trains_without_padding(small_set: list[Example]) -> None:
    labelled = [e for e in small_set if e.labels][:60]
    prep = prepare(labelled, seed=7)
    assert not prep.is_padded.any() and prep.is_copy.any()


def test_training_data_with_a_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "text": "hi", "labels": []}\n{"id": "b", "labels": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:2: missing 'text'"):
        load_examples([path])


def test_unknown_label_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "text": "hi", "labels": ["spam"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown labels"):
        load_examples([path])


def test_evaluate_reports_metrics_and_saves_a_plot(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "1",
            "text": "🔌 blues m30 5 for 100 tap in",
            "labels": ["drug_sale"],
            "substances": ["fentanyl"],
            "lang": "en",
        },
        {
            "id": "2",
            "text": "se buscan choferes pago por viaje zona laredo",
            "labels": ["smuggling_recruitment"],
            "lang": "es",
        },
        {"id": "3", "text": "snow day tomorrow, schools closed", "labels": [], "lang": "en"},
        {"id": "4", "text": "90 days clean from blues", "labels": [], "lang": "en"},
    ]
    gold.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    plot = tmp_path / "pr.png"
    proc = run_cli("evaluate", str(gold), "--by", "lang", "--plot", str(plot), "--json")
    assert proc.returncode == 0, proc.stderr
    report = orjson.loads(proc.stdout)
    assert report["all"]["n"] == 4
    assert set(report["by"]) == {"en", "es"}
    assert report["all"]["drug_sale"]["n_pos"] == 1
    assert 0.0 <= report["all"]["none"]["fpr"] <= 1.0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Printed to a pipe, the tables keep whole names and figures.
    table = run_cli("evaluate", str(gold), "--by", "lang")
    assert table.returncode == 0, table.stderr
    assert b"smuggling_recruitment" in table.stdout and "…".encode() not in table.stdout


def test_evaluate_refuses_a_missing_file(tmp_path: Path) -> None:
    proc = run_cli("evaluate", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert b"nope.jsonl" in proc.stderr


def test_stacker_logits_for_real_sources_come_from_models_blind_to_their_source() -> None:
    """A listing's drug_sale logit must come from a model that never saw its market, or
    the stacker would learn to trust the text model more than it deserves on a new one;
    authored posts get part of theirs from ordinary folds."""
    rng = np.random.default_rng(0)
    x = sp.csr_matrix(rng.random((80, 6)))
    y = np.array([0, 1] * 40)
    w = np.ones(80)
    domains = np.array(["agora"] * 40 + ["authored-en"] * 40)
    origins = np.arange(80)
    logits = _oof_logits(x, y, w, domains, origins, by_domain=True, seed=3)
    blind = _lr(C_TEXT, 3).fit(x[40:], y[40:], sample_weight=w[40:]).decision_function(x[:40])
    assert np.allclose(logits[:40], blind)
    only_other_domain = _lr(C_TEXT, 3).fit(x[:40], y[:40], sample_weight=w[:40]).decision_function(x[40:])
    assert not np.allclose(logits[40:], only_other_domain)


def test_cross_validation_holds_out_each_real_source_and_each_enron_mailbox() -> None:
    def ex(n: int, source: str) -> Example:
        return Example(Post(f"p{n}", "text"), frozenset(), (), source)

    sources = ["agora:Drugs/Opioids", "enron:enron1/spam", "enron:enron2/ham", "enron:enron1/ham"]
    examples = [ex(n, s) for n, s in enumerate([*sources, "authored:hard_negative", "druglib:enalapril"])]
    splits = {name: [list(np.flatnonzero(m)) for m in masks] for name, masks in holdouts(examples).items()}
    assert splits == {
        "agora": [[0]],
        "druglib": [[5]],
        "enron": [[1, 2, 3]],
        # Each mailbox alone: the other one stays in training.
        "enron, one mailbox held out": [[1, 3], [2]],
    }
