"""Sale-context cues that are shapes rather than words: prices, quantities, doses, a
prescription or doctor's visit said not to be needed, however it is worded,
medicine beside shop language (online-pharmacy spam), and, against a sale, a refusal to
sell without a prescription.

They run on the plain normalized view (lower-case, repeated letters squeezed, so
"pills" reads "pils", "needed" reads "neded") and report spans of the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interdictor.detect.base import Analysis, TermHit
from interdictor.normalize import normalize


@dataclass(frozen=True, slots=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    category: str
    label: str
    weight: float
    ambiguous: bool
    detail: str
    # Lexicon cues inside this one are read as part of it: "prescription required" in
    # "no prior prescription required" is not a legitimate pharmacy's condition.
    absorbs: frozenset[str] = frozenset()
    # A part of the pattern that every match contains, searched alone first: most posts
    # lack it, and the whole pattern is slow.
    gate: re.Pattern[str] | None = None


_NUM = r"\d{1,6}(?:[.,]\d{1,3})?"
_MONEY_WORDS = r"(?:usd|dolares|dls|dlls|bucks|pesos|mxn)"
_NEGATOR = r"(?:no|without|w/o|sin|never|don\s?'?\s?t|do not|doesn\s?'?\s?t|does not)"
# Only the words that go between "no" and "prescription": "no prior prescription", "you
# don't need a doctor's prescription", "sin necesidad de receta" (needs read squeezed).
_FILLER = (
    r"(?:(?:ned|neded|nedn?\s?'?\s?t|a|an|any|the|your|prior|previous|valid|medical|doctor\s?'\s?s|"
    r"physician\s?'\s?s|necesidad|de|una|la|of|for|to|have|get)\s+){0,4}"
)
_RX_WORDS = r"(?:prescription|rx|script|receta)s?"
_REQUIRED = r"(?:\s+(?:is\s+|are\s+)?(?:required|neded|necesary|necesaria|requerida))?"
_DOCTOR = r"(?:doctors?|physicians?|medicos?)(?:\s?'\s?s)?"
_VISIT = r"(?:apointments?|visits?|consultations?|exams?|citas?|consultas?)"
# Medicine in general, and the shop language of online-pharmacy spam (FDA BeSafeRx:
# deep discounts, delivery to the door), read squeezed ("pils", "shiping", "% of").
_MEDICINE = (
    r"(?:meds?|medz|medications?|medicines?|pils?|tablets?|tabs|drugs|prescriptions?|generics|"
    r"pharmacy|pharmacies|pharmaceuticals?|drugstores?|chemists?|rx)"
)
_SHOP = (
    r"(?:save|saving|savings|discount(?:s|ed)?|cheap(?:er|est)?|lowest|low prices?|best prices?|"
    r"buy|order(?:s|ing)?|shop|shops|store|online|shiping|shiped|delivery|delivered|overnight|"
    r"worldwide|to your dor|% of|percent of|we ofer|in one place|wholesale)"
)
# Up to four words between them, within one sentence.
_NEAR = r"(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+"
# A refusal: "we can't sell X without a prescription", "sin receta no te lo puedo dar".
# Negation and verb sit in one clause (spaces only between them), so "no problem, I sell
# percs without a script" is not one.
_REFUSING = (
    r"(?:no|not|never|nunca|cannot|(?:can|won|don|doesn|wouldn|couldn|didn)\s?'?\s?t)"
    r"(?:\s+[\w']+){0,3}?\s+"
)
_HAND_OVER = r"(?:vend\w*|venta|surt\w*|dar(?:le|te|les)?|dispens\w*|sel|seling|fil|give|provide)"
_WITHOUT_RX = (
    r"(?:sin|without|w/o)\s+(?:(?:a|una|la|valid|valida|medical|medica|doctor\s?'\s?s)\s+){0,2}" + _RX_WORDS
)

_DIGIT = re.compile(r"\d")


def _starting(first: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` behind a lookahead on what a match can start with: the engine then skips
    every other position at once instead of trying each alternative there (two to three
    times faster on short posts; same matches)."""
    return re.compile(rf"(?={first})(?:{pattern})")


CUES: tuple[Cue, ...] = (
    Cue(
        "price",
        _starting(
            r"[\d$€£]|de a ",
            rf"(?<![\w$])(?:[$€£]\s?{_NUM}k?|{_NUM}\s?(?:[$€£]|{_MONEY_WORDS}))(?!\w)"
            rf"|(?<!\w)\d{{1,3}}\s?(?:for|x|por)\s?\$?\d{{2,5}}(?!\w)"
            # a unit price: "12 each", "180 c/u", "120 la pieza", "de a 100"
            r"|(?<![\w.$])\d{2,6}\s?(?:each|ea|apiece|c/u)(?!\w)"
            rf"|(?<![\w.]){_NUM}\s(?:la|el|por|x)\s(?:pieza|pza|gramo|bolsa|bolsita|onza|grapa|pastila|tableta)s?(?!\w)"
            r"|(?<!\w)de a \$?\d{2,5}(?!\w)",
        ),
        "price",
        "",
        0.75,
        True,
        "a price or amount of money",
        gate=_DIGIT,
    ),
    Cue(
        "quantity",
        _starting(
            r"[\dqhezox]",
            rf"(?<![\w.]){_NUM}\s?(?:g|gr|grs|grams?|gramos?|kg|kilos?|oz|onzas?|lbs?|p|zips?|"
            r"pils|pil|tabs?|caps|tablets|pastilas|grapas|bolas)(?!\w)"
            r"|(?<!\w)(?:qp|hp|1/8|1/4|1/2|8th|eighths?|quarter|half|zip|o|elbow)s?(?:\s?oz)?(?!\w)(?=.{0,20}\d)"
            r"|(?<!\w)x\s?\d{2,4}(?!\w)",
        ),
        "quantity",
        "drug_sale",
        0.75,
        True,
        "a quantity for sale (grams, ounces, pills, tabs)",
        gate=_DIGIT,
    ),
    Cue(
        "dosage",
        _starting(r"\d", rf"(?<![\w.]){_NUM}\s?(?:mg|mcg|ug|µg|ml)(?!\w)"),
        "dosage",
        "drug_sale",
        0.4,
        True,
        "a dose (mg, mcg, ml)",
        gate=_DIGIT,
    ),
    Cue(
        "no_prescription",
        _starting(
            "[nwsd]",
            rf"(?<!\w){_NEGATOR}\s+{_FILLER}{_RX_WORDS}{_REQUIRED}(?!\w)"
            rf"|(?<!\w){_NEGATOR}\s+{_FILLER}{_DOCTOR}\s+{_VISIT}{_REQUIRED}(?!\w)",
        ),
        "sale_cue",
        "drug_sale",
        2.0,
        False,
        "no prescription or doctor's visit needed: medicine sold without Rx",
        frozenset({"negative_cue", "sale_cue"}),
        gate=re.compile(r"rx|script|receta|doctor|physician|medico"),  # "script" in "prescription"
    ),
    Cue(
        "pharmacy_offer",
        re.compile(rf"(?<!\w){_MEDICINE}{_NEAR}{_SHOP}(?!\w)|(?<!\w){_SHOP}{_NEAR}{_MEDICINE}(?!\w)"),
        "sale_cue",
        "drug_sale",
        1.0,
        False,
        "medicine beside shop language (discounts, ordering, shipping): online-pharmacy spam",
        gate=re.compile(_MEDICINE),
    ),
    # After "no_prescription", whose "sin receta" inside a refusal it takes back.
    Cue(
        "refuses_without_rx",
        re.compile(
            rf"(?<!\w){_REFUSING}{_HAND_OVER}{_NEAR}{_WITHOUT_RX}(?!\w)"
            rf"|(?<!\w){_WITHOUT_RX}[^\w.!?\n]+{_REFUSING}{_HAND_OVER}(?!\w)"
        ),
        "negative_cue",
        "",
        -2.0,
        False,
        "refuses to hand over medicine without a prescription: a legitimate pharmacy",
        frozenset({"sale_cue"}),
        gate=re.compile(r"rx|script|receta"),
    ),
)


class PatternDetector:
    """Adds price, quantity and dose cues found in the normalized post."""

    name = "patterns"

    def analyze(self, analysis: Analysis) -> None:
        nt = analysis.views[0] if analysis.views else normalize(analysis.post.text)
        for cue in CUES:
            if cue.gate and not cue.gate.search(nt.text):
                continue
            for m in cue.pattern.finditer(nt.text):
                if m.end() <= m.start():
                    continue
                start, end = nt.span(m.start(), m.end())
                if cue.absorbs:
                    analysis.hits = [
                        h
                        for h in analysis.hits
                        if not (h.category in cue.absorbs and h.start < end and start < h.end)
                    ]
                analysis.hits.append(
                    TermHit(
                        cue.name,
                        cue.category,
                        cue.label,
                        "",
                        cue.weight,
                        cue.ambiguous,
                        start,
                        end,
                        cue.detail,
                    )
                )
