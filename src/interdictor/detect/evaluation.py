"""Score the detector against labelled posts: precision, recall, F1, false-positive
rate, substance accuracy, per group, and precision–recall curves for thresholds.

Gold lines are scan input plus ``labels`` (and optionally ``substances``), the format of
``../shared/data`` and of reviewers' decisions exported for training.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interdictor.detect.base import LABELS

OPIOIDS = frozenset({"opioid", "fentanyl"})
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(slots=True)
class Scored:
    """One gold post beside what the detector said about it."""

    gold_labels: frozenset[str]
    gold_substances: tuple[str, ...]
    labels: frozenset[str]
    substances: frozenset[str]
    scores: dict[str, float]
    group: str = ""


@dataclass(slots=True)
class LabelMetrics:
    n_pos: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Metrics:
    n: int
    labels: dict[str, LabelMetrics] = field(default_factory=dict)
    negatives: int = 0
    false_positive_rate: float | None = None
    substance_n: int = 0
    substance_accuracy: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n}
        for label, m in self.labels.items():
            out[label] = {
                "n_pos": m.n_pos,
                "tp": m.tp,
                "fp": m.fp,
                "fn": m.fn,
                "precision": m.precision,
                "recall": m.recall,
                "f1": m.f1,
            }
        if self.false_positive_rate is not None:
            out["none"] = {"n": self.negatives, "fpr": self.false_positive_rate}
        if self.substance_accuracy is not None:
            out["substance"] = {"n": self.substance_n, "accuracy": self.substance_accuracy}
        return out


def substance_hit(gold: str, predicted: frozenset[str]) -> bool:
    # Fentanyl is an opioid: a gold "opioid" is matched by either.
    return bool(OPIOIDS & predicted) if gold == "opioid" else gold in predicted


def metrics(rows: Sequence[Scored]) -> Metrics:
    m = Metrics(n=len(rows))
    for label in LABELS:
        tp = sum(label in r.gold_labels and label in r.labels for r in rows)
        fp = sum(label not in r.gold_labels and label in r.labels for r in rows)
        fn = sum(label in r.gold_labels and label not in r.labels for r in rows)
        if tp + fn or fp:
            m.labels[label] = LabelMetrics(tp + fn, tp, fp, fn)
    negatives = [r for r in rows if not r.gold_labels]
    if negatives:
        m.negatives = len(negatives)
        m.false_positive_rate = sum(bool(r.labels) for r in negatives) / len(negatives)
    subs = [r for r in rows if r.gold_substances and "drug_sale" in r.gold_labels and "drug_sale" in r.labels]
    if subs:
        m.substance_n = len(subs)
        m.substance_accuracy = sum(substance_hit(r.gold_substances[0], r.substances) for r in subs) / len(
            subs
        )
    return m


def by_group(rows: Iterable[Scored]) -> dict[str, Metrics]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in rows:
        groups[r.group].append(r)
    return {k: metrics(v) for k, v in sorted(groups.items())}


def pr_curve(rows: Sequence[Scored], label: str) -> tuple[list[float], list[float], list[float]]:
    """Precision and recall at every distinct score (highest first), and the scores."""
    ranked = sorted(rows, key=lambda r: -r.scores.get(label, 0.0))
    total = sum(label in r.gold_labels for r in ranked)
    precision: list[float] = []
    recall: list[float] = []
    cuts: list[float] = []
    tp = 0
    for k, r in enumerate(ranked, 1):
        tp += label in r.gold_labels
        s = r.scores.get(label, 0.0)
        if k == len(ranked) or ranked[k].scores.get(label, 0.0) != s:
            precision.append(tp / k)
            recall.append(tp / total if total else 0.0)
            cuts.append(s)
    return precision, recall, cuts


def threshold_table(rows: Sequence[Scored], label: str) -> list[tuple[float, float, float, int]]:
    """(threshold, precision, recall, flagged) at the usual cut points."""
    out = []
    for t in THRESHOLDS:
        flagged = [r for r in rows if r.scores.get(label, 0.0) >= t]
        tp = sum(label in r.gold_labels for r in flagged)
        pos = sum(label in r.gold_labels for r in rows)
        out.append((t, tp / len(flagged) if flagged else 0.0, tp / pos if pos else 0.0, len(flagged)))
    return out


def plot_pr(rows: Sequence[Scored], path: Path, title: str = "") -> None:
    """Save precision–recall curves for each label that has positives, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    for label in LABELS:
        if not any(label in r.gold_labels for r in rows):
            continue
        precision, recall, cuts = pr_curve(rows, label)
        (line,) = ax.plot(recall, precision, label=label, linewidth=1.8)
        for t in (0.3, 0.5, 0.7, 0.9):
            # Mark where the common thresholds fall on the curve.
            idx = min(range(len(cuts)), key=lambda i: abs(cuts[i] - t))
            ax.annotate(
                f"{t:.1f}",
                (recall[idx], precision[idx]),
                fontsize=7,
                color=line.get_color(),
                xytext=(3, 3),
                textcoords="offset points",
            )
            ax.plot(recall[idx], precision[idx], "o", color=line.get_color(), markersize=3)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title or "precision–recall (numbers: score thresholds)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
