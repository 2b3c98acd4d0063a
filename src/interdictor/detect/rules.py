"""Weighted rules: lexicon, pattern and indicator findings → features → scores.

A drug name alone is not a sale and a price alone is not a drug: the drug_sale score
needs both a substance and sale context, and ambiguous terms ("snow", "candy", ❄)
count only beside something unambiguous. Recruitment works the same way with
recruitment cues, border places and pay. Negative cues (news, harm reduction,
recovery, legit jobs) pull both scores down.

:func:`rule_features` is shared with the trained scorer, which learns how to weigh
these same features next to a text model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from interdictor.detect.base import INDICATOR_TYPES, Analysis, Evidence, TermHit

# Tuples, not sets: iteration order decides evidence order, which must not vary by run.
DRUG_CATEGORIES = ("drug_name", "slang", "pill_mark", "emoji")
SALE_CATEGORIES = ("sale_cue", "buy_cue", "price", "quantity", "dosage")
RECRUIT_CATEGORIES = ("recruit_cue", "border_place")
PAYMENT_INDICATORS = frozenset({"cashapp", "venmo", "zelle", "btc", "eth", "xmr", "trx", "ltc"})
CONTACT_INDICATORS = frozenset(INDICATOR_TYPES) - PAYMENT_INDICATORS - {"pgp_fingerprint"}
# Where a post appears says something about intent: a listing offers, a review reports.
SURFACE_SALE_PRIOR = {"marketplace_listing": 1.0, "classified_ad": 0.5, "direct_message": 0.25}
SURFACE_NEGATIVE = {"review": -1.0}

# The drug, sale, recruitment and negative hits that count in a post's context.
Counted = tuple[list[TermHit], list[TermHit], list[TermHit], list[TermHit]]

CAP = 3.5
BIAS = -2.5
DRUG_ALONE = 2.0
THRESHOLD = 0.5


def _distinct(hits: Iterable[TermHit]) -> list[TermHit]:
    """One hit per term (the first), so repeating a word adds nothing."""
    seen: dict[str, TermHit] = {}
    for h in hits:
        seen.setdefault(f"{h.category}:{h.term}", h)
    return list(seen.values())


def _top(hits: list[TermHit], k: int = 3) -> float:
    return sum(sorted((h.weight for h in hits), reverse=True)[:k])


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def counted_hits(analysis: Analysis) -> Counted:
    """The drug, sale, recruitment and negative hits that count in context."""
    by_cat: dict[str, list[TermHit]] = defaultdict(list)
    for h in _distinct(analysis.hits):
        by_cat[h.category].append(h)
    drug_all = [h for c in DRUG_CATEGORIES for h in by_cat[c]]
    sale_all = [h for c in SALE_CATEGORIES for h in by_cat[c]]
    recruit_all = [h for c in RECRUIT_CATEGORIES for h in by_cat[c]]

    strong_drug = [h for h in drug_all if not h.ambiguous]
    strong_sale = [h for h in sale_all if not h.ambiguous]
    weak_drug = [h for h in drug_all if h.ambiguous]
    drug_context = bool(strong_drug or strong_sale) or (len(weak_drug) >= 2 and bool(sale_all))
    drug = strong_drug + (weak_drug if drug_context else [])
    sale = strong_sale + ([h for h in sale_all if h.ambiguous] if drug else [])

    strong_recruit = [h for h in recruit_all if not h.ambiguous]
    weak_recruit = [h for h in recruit_all if h.ambiguous]
    has_contact = any(i.type in CONTACT_INDICATORS for i in analysis.indicators)
    pay = any(h.category == "price" for h in sale_all)
    recruit_context = (
        bool(strong_recruit) or len(weak_recruit) >= 3 or (len(weak_recruit) >= 2 and (pay or has_contact))
    )
    recruit = strong_recruit + (weak_recruit if recruit_context else [])
    return drug, sale, recruit, by_cat["negative_cue"]


def rule_features(analysis: Analysis, counted: Counted | None = None) -> dict[str, float]:
    """Named evidence strengths, each capped so no single kind dominates."""
    drug, sale, recruit, negative = counted or counted_hits(analysis)
    types = {i.type for i in analysis.indicators}
    surface = analysis.post.surface or ""
    contact = 0.5 if types & CONTACT_INDICATORS else 0.0
    payment = 0.75 if types & PAYMENT_INDICATORS else 0.0
    pay = 0.75 if recruit and any(h.category == "price" for h in analysis.hits) else 0.0
    return {
        # Any finding at all that bears on a sale, counted in context or not, except a
        # generic word ("meds", "pills": ambiguous, no substance) outside sale context.
        "evidence_drug_sale": float(
            bool(drug)
            or any(_names_a_drug(h) or h.category in SALE_CATEGORIES for h in analysis.hits)
            or bool(types - {"pgp_fingerprint"})
        ),
        "drug": min(_top(drug), CAP),
        "sale": min(_top(sale) + contact + payment + SURFACE_SALE_PRIOR.get(surface, 0.0), CAP),
        "recruit": min(_top(recruit) + pay + (contact if recruit else 0.0), CAP + 0.5),
        "negative": max(sum(h.weight for h in negative) + SURFACE_NEGATIVE.get(surface, 0.0), -4.0),
    }


def _names_a_drug(h: TermHit) -> bool:
    return h.label == "drug_sale" and (bool(h.substance) or not h.ambiguous)


def rule_logits(f: dict[str, float]) -> dict[str, float]:
    # A drug alone stays below the threshold, and sale context counts only as far as
    # there is a drug to sell.
    drug = min(f["drug"], DRUG_ALONE + f["sale"])
    return {
        "drug_sale": BIAS + drug + min(f["sale"], f["drug"] + 0.5) + f["negative"],
        "smuggling_recruitment": BIAS + f["recruit"] + f["negative"],
    }


def substances_of(drug_hits: Iterable[TermHit], sale_hits: Iterable[TermHit]) -> list[str]:
    """Substance classes by total evidence, strongest first."""
    weight: dict[str, float] = defaultdict(float)
    for h in (*drug_hits, *sale_hits):
        if h.substance:
            weight[h.substance] += h.weight
    return sorted(weight, key=lambda s: (-weight[s], s))


def add_evidence(analysis: Analysis, hits: Iterable[TermHit]) -> None:
    for h in hits:
        analysis.evidence.append(
            Evidence(h.start, h.end, analysis.post.text[h.start : h.end], h.category, h.detail)
        )
    analysis.evidence.sort(key=lambda e: (e.start, e.end, e.signal, e.detail))


class RuleScorer:
    """Scores a post from its findings with fixed, documented weights."""

    name = "rules"

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold

    def analyze(self, analysis: Analysis) -> None:
        counted = counted_hits(analysis)
        features = rule_features(analysis, counted)
        analysis.features.update(features)
        for label, logit in rule_logits(features).items():
            analysis.scores[label] = sigmoid(logit)
        decide(analysis, self.threshold, counted)


def decide(analysis: Analysis, threshold: float, counted: Counted) -> None:
    """Labels from scores, substances for sales, and the evidence that counted."""
    analysis.labels = [label for label, s in analysis.scores.items() if s >= threshold]
    drug, sale, recruit, negative = counted
    if "drug_sale" in analysis.labels:
        analysis.substances = substances_of(drug, sale)
    add_evidence(analysis, [*drug, *sale, *recruit, *negative])
