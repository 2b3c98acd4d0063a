"""The lexicon: matching through evasion, ambiguity needing context, phrases read once."""

from __future__ import annotations

import pytest

from interdictor.detect.base import Analysis, Post, TermHit
from interdictor.detect.lexicon import Lexicon, LexiconDetector, PatternDetector, default_lexicon
from interdictor.detect.lexicon.matcher import LexiconError
from interdictor.detect.pipeline import Pipeline
from interdictor.normalize import normalize

HEADER = "term\tcategory\tlabel\tsubstance\tweight\tambiguous\tlang\tdetail\n"


def term_hits(text: str, patterns: bool = False) -> list[TermHit]:
    a = Analysis(Post("t", text))
    LexiconDetector().analyze(a)
    if patterns:
        PatternDetector().analyze(a)
    return a.hits


def hits(text: str, patterns: bool = False) -> list[tuple[str, str, str]]:
    return [(h.term, h.category, text[h.start : h.end]) for h in term_hits(text, patterns)]


def test_shipped_lexicon_is_versioned_and_covers_every_category() -> None:
    lex = default_lexicon()
    assert lex.version != "unversioned"
    categories = {e.category for e in lex.entries}
    assert {
        "drug_name",
        "slang",
        "pill_mark",
        "emoji",
        "sale_cue",
        "buy_cue",
        "recruit_cue",
        "border_place",
        "negative_cue",
    } <= categories
    assert {e.lang for e in lex.entries} >= {"en", "es"}


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("selling fentanyl", "fentanyl"),
        ("F E N T A N Y L", "fentanyl"),
        ("fеntanyl", "fentanyl"),  # Cyrillic е
        ("f3nt4nyl", "fentanyl"),
        ("🅿️ available", "🅿"),
        ("pago por viaje", "pago por viaje"),
        ("PÁGO POR VIÁJE", "pago por viaje"),
    ],
)
def test_terms_match_through_evasion(text: str, term: str) -> None:
    assert term in {t for t, _, _ in hits(text)}


@pytest.mark.parametrize(
    ("text", "written", "substance"),
    [
        ("cheap VaIium here", "VaIium", "benzodiazepine"),
        ("get vlagra now", "vlagra", "prescription"),
        ("phentermlne 37.5", "phentermlne", "prescription"),
    ],
)
def test_drug_names_in_look_alike_letters(text: str, written: str, substance: str) -> None:
    assert [(text[h.start : h.end], h.substance) for h in term_hits(text)] == [(written, substance)]


@pytest.mark.parametrize("text", ["retain your receipt", "una hamburguesa doble", "the valiant knight"])
def test_look_alike_reading_leaves_everyday_words_alone(text: str) -> None:
    assert not [h for h in hits(text) if h[1] in ("drug_name", "slang")]


@pytest.mark.parametrize(
    ("text", "written", "term"),
    [
        ("save 95 % on v + iagr + a today", "v + iagr + a", "viagra"),
        ("private vl @ gra remove me", "vl @ gra", "viagra"),
        ("use ci 4 lis instead", "ci 4 lis", "cialis"),
        ("cheap v iagra", "v iagra", "viagra"),
    ],
)
def test_names_cut_into_pieces_are_read_glued(text: str, written: str, term: str) -> None:
    assert (term, written) in {(t, w) for t, _, w in hits(text)}


@pytest.mark.parametrize(
    "text",
    [
        "the hero in this story",  # heroin
        "get there fast in the morning",  # Fastin
        "carly fiorina i think",  # Fiorinal
        "vi\nagra",  # a cut across lines
        "vi ------ agra",  # a cut too long
    ],
)
def test_words_that_happen_to_spell_a_name_together_are_not_glued(text: str) -> None:
    assert not [h for h in hits(text) if h[1] in ("drug_name", "slang")]


def test_whole_words_only_with_plural_s() -> None:
    assert "m30" in {t for t, _, _ in hits("blue m30s")}
    assert not [h for h in hits("molecule") if h[0] == "molly"]


@pytest.mark.parametrize(("text", "term"), [("xanax2mg bars", "xanax"), ("oxy30s", "oxy")])
def test_a_dose_written_onto_a_name_keeps_the_name(text: str, term: str) -> None:
    assert (term, "drug_name", term) in hits(text)


def test_a_two_letter_term_before_digits_is_a_code_not_a_name() -> None:
    assert not [h for h in hits("form oc192 attached") if h[0] == "oc"]


def test_longer_phrase_wins_over_the_words_inside_it() -> None:
    found = hits("no prescription required")
    assert ("no prescription required", "sale_cue", "no prescription required") in found
    assert all(c != "negative_cue" for _, c, _ in found)


@pytest.mark.parametrize("text", ["Snow ❄️ day tomorrow!", "candy for the kids", "we went to the beach"])
def test_ambiguous_slang_alone_does_not_flag(text: str) -> None:
    a = Pipeline.rules_only().analyze(Post("t", text))
    assert a.labels == []
    assert not [e for e in a.evidence if e.signal in ("slang", "emoji")]


def test_ambiguous_slang_counts_beside_a_sale() -> None:
    a = Pipeline.rules_only().analyze(Post("t", "❄️ snow 3.5g $200, dm to order, ships today"))
    assert "drug_sale" in a.labels
    assert "stimulant" in a.substances


def test_patterns_find_prices_and_quantities_in_original_offsets() -> None:
    text = "ｐｒｉｃｅ: 1oz $180, 5 for 100"
    a = Analysis(Post("t", text))
    PatternDetector().analyze(a)
    found = {(h.category, text[h.start : h.end]) for h in a.hits}
    assert ("quantity", "1oz") in found
    assert ("price", "$180") in found
    assert ("price", "5 for 100") in found


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("pingas de colores, 180 c/u", "180 c/u"),
        ("Caramelos azules, 120 la pieza", "120 la pieza"),
        ("el vidrio de a 100", "de a 100"),
        ("blues 12 each", "12 each"),
    ],
)
def test_unit_prices_are_prices(text: str, price: str) -> None:
    assert ("price", "price", price) in hits(text, patterns=True)


def test_a_count_of_one_digit_each_is_no_price() -> None:
    assert not [h for h in hits("I ate 3 each day", patterns=True) if h[1] == "price"]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("No prior prescription required!", "No prior prescription required"),
        ("no doctor ' s appointments needed", "no doctor ' s appointments needed"),
        ("You don't need a doctor's visit", "don't need a doctor's visit"),
        ("sin necesidad de receta", "sin necesidad de receta"),
    ],
)
def test_no_prescription_however_worded_is_a_sale_cue(text: str, phrase: str) -> None:
    found = hits(text, patterns=True)
    assert ("no_prescription", "sale_cue", phrase) in found
    # "prescription required" inside the phrase is not a legitimate pharmacy's condition.
    assert all(c != "negative_cue" for _, c, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        "A valid prescription is required.",
        "I had no idea my prescription ran out",
        "there was no doctor on call",
    ],
)
def test_prescription_talk_without_the_negation_is_no_sale_cue(text: str) -> None:
    assert not [h for h in hits(text, patterns=True) if h[0] == "no_prescription"]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("No, aquí no vendemos Rivotril sin receta.", "no vendemos Rivotril sin receta"),
        ("dice que sin receta no me puede dar el tramadol", "sin receta no me puede dar"),
        ("Sorry, we can't sell Xanax without a prescription.", "can't sell Xanax without a prescription"),
        ("the pharmacy wouldn't fill it without a script", "wouldn't fill it without a script"),
    ],
)
def test_a_refusal_to_sell_without_a_prescription_is_a_negative_cue(text: str, phrase: str) -> None:
    found = hits(text, patterns=True)
    assert ("refuses_without_rx", "negative_cue", phrase) in found
    # Its "sin receta" / "without a prescription" is no longer read as a sale cue.
    assert all(c != "sale_cue" for _, c, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        "no problem, I sell percs without a script",
        "no te pido receta, vendo xanax sin receta",
        "Xanax 2mg no prescription needed, we sell without rx",
    ],
)
def test_a_sale_without_a_prescription_is_no_refusal(text: str) -> None:
    found = hits(text, patterns=True)
    assert not [h for h in found if h[0] == "refuses_without_rx"]
    assert [h for h in found if h[0] == "no_prescription"]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Lowest prices on generic medications!", "Lowest prices on generic medications"),
        ("one of the leading online pharmaceutical shops", "online pharmaceutical"),
        ("PILLS SHIPPED OVERNIGHT to your door", "PILLS SHIPPED"),
        ("save over 70 % on your meds", "save over 70 % on your meds"),
    ],
)
def test_medicine_beside_shop_language_is_a_pharmacy_offer(text: str, phrase: str) -> None:
    assert ("pharmacy_offer", "sale_cue", phrase) in hits(text, patterns=True)


@pytest.mark.parametrize(
    "text",
    [
        "I took my meds late today",
        "The pharmacy was closed. Online reviews say it opens at nine.",
        "my doctor changed the tablets my mum takes every morning",
    ],
)
def test_medicine_without_shop_language_in_its_sentence_is_no_pharmacy_offer(text: str) -> None:
    assert not [h for h in hits(text, patterns=True) if h[0] == "pharmacy_offer"]


def test_generic_medicine_words_count_only_beside_a_sale() -> None:
    pipeline = Pipeline.default()
    alone = pipeline.analyze(Post("t", "I forgot my meds and pills at home"))
    assert alone.labels == []
    # Not counted, and not enough to lift the trained model's no-evidence cap either.
    assert alone.features["drug"] == 0 and alone.features["evidence_drug_sale"] == 0
    sale = pipeline.analyze(
        Post("t", "quality medications shipped overnight, no prior prescription required")
    )
    assert "drug_sale" in sale.labels
    assert {e.text for e in sale.evidence} >= {"medications", "no prior prescription required"}


def test_custom_lexicon_from_text() -> None:
    lex = Lexicon.parse(
        "# lexicon-version: test-1\n" + HEADER + "zorbo\tslang\tdrug_sale\tcannabis\t1.5\t0\ten\ttest\n"
    )
    assert lex.version == "test-1"
    [hit] = lex.find(normalize("got z o r b o"))
    assert hit.term == "zorbo" and hit.weight == 1.5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("term\tcategory\n", "header"),
        (HEADER + "x\tslang\n", "row 2 has 2 fields"),
        (HEADER + "x\tslang\tdrug_sale\t\theavy\t0\ten\td\n", "not a number"),
    ],
)
def test_malformed_lexicon_names_the_problem(body: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        Lexicon.parse(body)
