"""Each evasion form the normalizer undoes, and the map back to original offsets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interdictor.normalize import NormalizedText, normalize, normalize_views, skeleton

ZWSP = "\u200b"


def readings(text: str) -> list[str]:
    return [v.text for v in normalize_views(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＦＥＮＴＡＮＹＬ", "fentanyl"),  # fullwidth (NFKC)
        ("𝐟𝐞𝐧𝐭𝐚𝐧𝐲𝐥", "fentanyl"),  # mathematical bold (NFKC)
        ("\u043exy", "oxy"),  # Cyrillic о
        ("\u0445\u0430nax", "xanax"),  # Cyrillic х and а
        ("fen\u200btan\u200dyl", "fentanyl"),  # zero-width space and joiner
        ("fen\u00adtanyl", "fentanyl"),  # soft hyphen
        ("f e n t", "fent"),  # spaced letters
        ("o.x.y", "oxy"),  # dotted letters
        ("x : a : n : a : x", "xanax"),  # symbol-separated letters
        ("x^a^n^a^x", "xanax"),  # carets
        ("v ' a , l _ i * u ^ m", "valium"),  # mixed separators, as in tokenised spam
        ("m-o-l-l-y", "moly"),  # hyphenated letters, then squeezed
        ("fentttt", "fent"),  # repeated letters
        ("xaaanax", "xanax"),
        ("cocaína y marihuana, señor", "cocaina y marihuana, senor"),  # Spanish accents
        ("COKE", "coke"),
    ],
)
def test_plain_reading_undoes_evasion(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f3nt", "fent"),
        ("x@n@x", "xanax"),
        ("0xy", "oxy"),
        ("p3rc 30s", "perc eos"),
        ("v @ l i u m", "valium"),
        ("p!lls", "pils"),
        ("val|um", "valium"),  # a bar stands for an i in pharmacy spam
    ],
)
def test_leet_reading(text: str, expected: str) -> None:
    assert readings(text)[-1] == expected


def test_leet_is_a_second_reading_so_pill_codes_survive() -> None:
    views = readings("blue m30 pills")
    assert views[0] == "blue m30 pils"
    assert len(views) == 2


def test_apostrophes_inside_words_are_not_separators() -> None:
    assert normalize("don't stop, rock'n'roll").text == "don't stop, rock'n'rol"


def test_plain_text_has_one_reading() -> None:
    assert readings("nothing unusual here") == ["nothing unusual here"]


def test_punctuation_after_a_word_is_not_leet() -> None:
    assert readings("wow!! hey") == ["wow!! hey"]


def test_handles_and_cashtags_keep_their_prefix_in_leet_reading() -> None:
    assert readings("p3rcs @plug $cash")[-1] == "percs @plug $cash"


def test_emoji_sequences_lose_variation_selectors_skin_tones_and_joiners() -> None:
    assert normalize("🅿️").text == "🅿"
    assert normalize("💪🏽").text == "💪"
    assert normalize("❄️💊").text == "❄💊"
    assert normalize("1️⃣").text == "1"


@pytest.mark.parametrize(
    ("reading", "original", "word", "written"),
    [
        # fullwidth letters with zero-width spaces between them
        (normalize, f"Buy {ZWSP.join('ｘａｎａｘ')} now", "xanax", ZWSP.join("ｘａｎａｘ")),
        (skeleton, "get ＶａＩｉｕｍ now", "uaiium", "ＶａＩｉｕｍ"),
    ],
)
def test_span_maps_back_to_the_authors_characters(
    reading: Callable[[str], NormalizedText], original: str, word: str, written: str
) -> None:
    nt = reading(original)
    start = nt.text.index(word)
    s, e = nt.span(start, start + len(word))
    assert original[s:e] == written


def test_span_of_squeezed_and_joined_text() -> None:
    original = "get f e n t t t now"
    nt = normalize(original)
    assert nt.text == "get fent now"
    s, e = nt.span(4, 8)
    assert original[s:e] == "f e n t t t"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VaIium", "uaiium"),  # capital I for l, lower-cased to i
        ("valium", "uaiium"),
        ("vlagra", "uiagra"),  # l for i
        ("c1al1s", "ciaiis"),
        ("drvgs", "drugs"),  # v for u
        ("retalin", "retaiin"),  # not squeezed: must not read as "retain"
    ],
)
def test_skeleton_reads_look_alike_letters_as_one(text: str, expected: str) -> None:
    assert skeleton(text).text == expected


@given(st.text(max_size=200))
def test_map_is_within_bounds_and_ordered(text: str) -> None:
    for view in (*normalize_views(text), skeleton(text)):
        assert len(view.starts) == len(view.ends) == len(view.text)
        assert all(0 <= s < e <= len(text) for s, e in zip(view.starts, view.ends, strict=True))
        assert view.starts == sorted(view.starts)


def test_one_megabyte_post_is_normalized() -> None:
    text = ("f e n t " * 20000 + "a.a.a." * 100000)[:1_000_000]
    views = normalize_views(text)
    assert views[0].text.startswith("fentfentfent")
