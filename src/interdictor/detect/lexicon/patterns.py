"""Sale-context cues that are shapes rather than words: prices, quantities, doses.

They run on the plain normalized view (lower-case, repeated letters squeezed, so
"pills" reads "pils") and report spans of the original text.
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


_NUM = r"\d{1,6}(?:[.,]\d{1,3})?"
_MONEY_WORDS = r"(?:usd|dolares|dls|dlls|bucks|pesos|mxn)"

CUES: tuple[Cue, ...] = (
    Cue(
        "price",
        re.compile(
            rf"(?<![\w$])(?:[$€£]\s?{_NUM}k?|{_NUM}\s?(?:[$€£]|{_MONEY_WORDS}))(?!\w)"
            rf"|(?<!\w)\d{{1,3}}\s?(?:for|x|por)\s?\$?\d{{2,5}}(?!\w)"
        ),
        "price",
        "",
        0.75,
        True,
        "a price or amount of money",
    ),
    Cue(
        "quantity",
        re.compile(
            rf"(?<![\w.]){_NUM}\s?(?:g|gr|grs|grams?|gramos?|kg|kilos?|oz|onzas?|lbs?|p|zips?|"
            r"pils|pil|tabs?|caps|tablets|pastilas|grapas|bolas)(?!\w)"
            r"|(?<!\w)(?:qp|hp|1/8|1/4|1/2|8th|eighths?|quarter|half|zip|o|elbow)s?(?:\s?oz)?(?!\w)(?=.{0,20}\d)"
            r"|(?<!\w)x\s?\d{2,4}(?!\w)"
        ),
        "quantity",
        "drug_sale",
        0.75,
        True,
        "a quantity for sale (grams, ounces, pills, tabs)",
    ),
    Cue(
        "dosage",
        re.compile(rf"(?<![\w.]){_NUM}\s?(?:mg|mcg|ug|µg|ml)(?!\w)"),
        "dosage",
        "drug_sale",
        0.4,
        True,
        "a dose (mg, mcg, ml)",
    ),
)


class PatternDetector:
    """Adds price, quantity and dose cues found in the normalized post."""

    name = "patterns"

    def analyze(self, analysis: Analysis) -> None:
        nt = analysis.views[0] if analysis.views else normalize(analysis.post.text)
        for cue in CUES:
            for m in cue.pattern.finditer(nt.text):
                if m.end() <= m.start():
                    continue
                start, end = nt.span(m.start(), m.end())
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
