"""The shipped detector on posts a reviewer would judge at a glance, in both languages.

Negatives share vocabulary with sales and recruitment on purpose; each case also checks
the evidence the detector gives, so a reviewer can see why.
"""

from __future__ import annotations

import pytest

from interdictor.detect.base import Analysis, Post
from interdictor.detect.pipeline import Pipeline


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.default()


def analyze(pipeline: Pipeline, text: str, surface: str = "social_post") -> Analysis:
    return pipeline.analyze(Post("t", text, surface))


def signals(a: Analysis) -> set[str]:
    return {e.signal for e in a.evidence}


NOT_FLAGGED = [
    # news about fentanyl
    (
        "Police in Ohio seized 40,000 fake pills containing fentanyl on Tuesday, according to the DEA.",
        {"negative_cue"},
    ),
    ("La Guardia Nacional aseguró 200 kilos de fentanilo en Sinaloa; hay tres detenidos.", {"negative_cue"}),
    # recovery
    ("90 days clean today. Blues almost took everything from me. Grateful for NA.", {"negative_cue"}),
    ("Hoy cumplo un año limpio de cristal. Gracias a mi grupo de NA y a mi familia.", {"negative_cue"}),
    # legitimate driver jobs
    (
        "CDL-A drivers wanted for cross-border freight out of Laredo. FAST card required, benefits, 401k.",
        {"negative_cue"},
    ),
    (
        "Empresa maquiladora en Reynosa busca chofer para transporte de personal, licencia tipo C, "
        "prestaciones de ley.",
        {"negative_cue"},
    ),
    # harm reduction, idioms
    ("Free naloxone and fentanyl test strips at the library this Saturday.", {"negative_cue"}),
    ("need a plug for my phone, left my charger at work", {"negative_cue"}),
]


@pytest.mark.parametrize(("text", "expected_signals"), NOT_FLAGGED)
def test_hard_negatives_are_not_flagged(pipeline: Pipeline, text: str, expected_signals: set[str]) -> None:
    a = analyze(pipeline, text)
    assert a.labels == [], (a.scores, [(e.text, e.signal) for e in a.evidence])
    assert all(score < 0.5 for score in a.scores.values())
    # The detector shows the context that argued against a violation.
    assert expected_signals <= signals(a)


FLAGGED = [
    ("🔌 got blues m30s 💊 5 for 100, tap in on tele @plugexample", "drug_sale", "fentanyl", "m30s"),
    ("hay perico y cristal a domicilio 🚗 pedidos por whatsapp", "drug_sale", "stimulant", "perico"),
    (
        "ｘａｎａｘ 2mg bars, no prescription needed, ships worldwide",
        "drug_sale",
        "benzodiazepine",
        "ｘａｎａｘ",
    ),
    (
        "Se buscan choferes con troca, pago por viaje $2000, zona Laredo",
        "smuggling_recruitment",
        None,
        "pago por viaje",
    ),
    (
        "Quick cash 💵 for a short driving job near the border, pick up a few people by the river, "
        "no questions asked",
        "smuggling_recruitment",
        None,
        "no questions asked",
    ),
    (
        "need 2 guys to walk loads thru the desert by Sasabe this weekend, 3k each, bring water",
        "smuggling_recruitment",
        None,
        "walk loads",
    ),
]


@pytest.mark.parametrize(("text", "label", "substance", "evidence_text"), FLAGGED)
def test_positives_are_flagged_with_evidence(
    pipeline: Pipeline, text: str, label: str, substance: str | None, evidence_text: str
) -> None:
    a = analyze(pipeline, text)
    assert label in a.labels, (a.scores, [(e.text, e.signal) for e in a.evidence])
    if substance:
        assert a.substances and a.substances[0] == substance
    assert any(evidence_text in e.text for e in a.evidence)
    for e in a.evidence:
        assert text[e.start : e.end] == e.text


def test_evasion_does_not_hide_a_sale(pipeline: Pipeline) -> None:
    clean = analyze(pipeline, "selling xanax bars and percocet, dm to order")
    evaded = analyze(pipeline, "s e l l i n g x@n@x b\u200ba\u200br\u200bs and рercоcet, dm to order")
    assert "drug_sale" in clean.labels and "drug_sale" in evaded.labels
