#!/usr/bin/env python3
"""Build Interdictor's shipped lexicon, ``terms.tsv``, from its sources.

Inputs
------
* ``SOURCES/dea_slang_terms_2018.txt`` -- DEA "Slang Terms and Code Words" (2018),
  ``Drug~Brand~term; term; ...`` (via CTN-0094/DOPE, MIT).
* ``SOURCES/redmed_drug_lexicon.tsv`` -- RedMed drug lexicon (alavertu/redmed, MIT).
* ``src/interdictor/detect/lexicon/data/curated/`` -- hand-curated, human-editable
  TSV files (see the data README): the review of every DEA term, the RedMed drugs
  to keep and the variants to reject, and hand-written rows for every category.

Output
------
``src/interdictor/detect/lexicon/data/terms.tsv``: a ``# lexicon-version:`` comment,
a header row, then one row per term, sorted by category then term. The build is
deterministic: the same inputs give a byte-identical file.

Usage::

    python scripts/build_lexicon.py [SOURCES] [--out PATH] [--check] [--audit]

``SOURCES`` defaults to ``../shared/data/lexicons`` relative to the repository root.
``--check`` exits 1 when the file on disk differs from what would be built.
``--audit`` prints what happened to every DEA term (kept/dropped and by which rule).

Only maintainers run this script; the package reads the generated ``terms.tsv``.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from interdictor.detect.base import SUBSTANCES as ALL_SUBSTANCES
from interdictor.detect.lexicon.matcher import COLUMNS, Entry

VERSION = "2026.11.9"

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "src" / "interdictor" / "detect" / "lexicon" / "data"
CURATED_DIR = DATA_DIR / "curated"
DEFAULT_SOURCES = REPO_ROOT.parent / "shared" / "data" / "lexicons"
DEFAULT_OUT = DATA_DIR / "terms.tsv"

DEA_FILE = "dea_slang_terms_2018.txt"
REDMED_FILE = "redmed_drug_lexicon.tsv"


# Category -> (label every row of it carries, allowed weight range).
CATEGORIES: dict[str, tuple[str, float, float]] = {
    "drug_name": ("drug_sale", 0.25, 3.0),
    "slang": ("drug_sale", 0.25, 3.0),
    "pill_mark": ("drug_sale", 0.25, 3.0),
    "emoji": ("drug_sale", 0.25, 2.0),
    "sale_cue": ("drug_sale", 0.25, 2.5),
    "buy_cue": ("drug_sale", 0.25, 2.5),
    "recruit_cue": ("smuggling_recruitment", 0.25, 3.0),
    "border_place": ("smuggling_recruitment", 0.25, 1.5),
    "negative_cue": ("", -3.0, -0.25),
}
CATEGORY_ORDER = {name: i for i, name in enumerate(CATEGORIES)}
SUBSTANCES = frozenset({*ALL_SUBSTANCES, ""})
# Categories whose rows name a drug, and so must carry a substance.
SUBSTANCE_REQUIRED = frozenset({"drug_name", "pill_mark"})
# Categories about context rather than a drug: they never carry a substance.
CUE_CATEGORIES = frozenset({"sale_cue", "buy_cue", "recruit_cue", "border_place", "negative_cue"})
LANGS = frozenset({"en", "es", "*"})

# Default weights for DEA terms that the review keeps without a weight of its own.
DEA_KEEP_WEIGHT = 1.5
DEA_AMBIGUOUS_WEIGHT = 0.75
DEA_DECISIONS = frozenset({"keep", "ambiguous", "drop"})

# RedMed: which columns are read, and the filters applied to them.
REDMED_NAME_COLUMNS = ("known",)
REDMED_VARIANT_COLUMNS = ("misspellingPhon", "edOne", "edTwo")
REDMED_MIN_NAME_LEN = 4
REDMED_MIN_VARIANT_LEN = 5
REDMED_MIN_SIMILARITY = 0.8

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
_INVISIBLE = re.compile("[\ufe0f\ufe0e\u200b\u200c\u200d\u2060]")


class LexiconError(Exception):
    """Raised for any problem in the inputs; the message names the file and row."""


@dataclass(frozen=True, slots=True)
class Row(Entry):
    """One output row: a lexicon entry, plus where it came from (not written)."""

    source: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.term,
            self.category,
            self.label,
            self.substance,
            f"{self.weight:.2f}",
            "1" if self.ambiguous else "0",
            self.lang,
            self.detail,
        )


def normalize_term(text: str) -> str:
    """Write a term in the plain form the matcher compares against.

    Lower-case, accents stripped (``ñ`` -> ``n``), typographic apostrophes made
    ASCII, emoji variation selectors and zero-width characters removed, a hyphen
    broken by a space (``In- Between``) rejoined, and whitespace collapsed.
    """
    text = _INVISIBLE.sub("", text.translate(_APOSTROPHES))
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"-\s+", "-", text)
    return " ".join(text.split())


def read_tsv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for the non-blank, non-comment lines of a TSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            yield number, line.split("\t")


def parse_bool(value: str, where: str) -> bool:
    if value not in {"0", "1"}:
        raise LexiconError(f"{where}: ambiguous must be 0 or 1, got {value!r}")
    return value == "1"


def parse_weight(value: str, where: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise LexiconError(f"{where}: weight must be a number, got {value!r}") from exc


def validate(row: Row, where: str) -> None:
    """Check one row against the column rules; raise LexiconError if it breaks one."""
    if not row.term:
        raise LexiconError(f"{where}: empty term")
    if row.term != normalize_term(row.term):
        raise LexiconError(
            f"{where}: term {row.term!r} is not in plain form (expected {normalize_term(row.term)!r})"
        )
    if row.category not in CATEGORIES:
        raise LexiconError(f"{where}: unknown category {row.category!r}")
    label, low, high = CATEGORIES[row.category]
    if row.label != label:
        raise LexiconError(f"{where}: category {row.category} needs label {label!r}")
    if row.substance not in SUBSTANCES:
        raise LexiconError(f"{where}: unknown substance {row.substance!r}")
    if row.category in SUBSTANCE_REQUIRED and not row.substance:
        raise LexiconError(f"{where}: {row.category} rows need a substance")
    if row.category in CUE_CATEGORIES and row.substance:
        raise LexiconError(f"{where}: {row.category} rows carry no substance")
    if not low <= row.weight <= high:
        raise LexiconError(f"{where}: weight {row.weight} outside [{low}, {high}]")
    if row.lang not in LANGS:
        raise LexiconError(f"{where}: lang must be en, es or *, got {row.lang!r}")
    if row.category == "emoji" and (len(row.term) != 1 or row.lang != "*"):
        raise LexiconError(f"{where}: emoji rows are one code point with lang *")
    if not row.detail or any(ch in row.detail for ch in "\t\r\n"):
        raise LexiconError(f"{where}: detail must be non-empty, one line, no tabs")


# --------------------------------------------------------------------------- curated


def load_curated_rows(curated_dir: Path) -> list[Row]:
    """Read the hand-written rows: every curated TSV whose header is COLUMNS."""
    rows: list[Row] = []
    seen: dict[str, str] = {}
    for path in sorted(curated_dir.glob("*.tsv")):
        lines = list(read_tsv(path))
        if not lines or tuple(lines[0][1]) != COLUMNS:
            continue  # a control file (DEA review, RedMed lists), read elsewhere
        for number, cells in lines[1:]:
            where = f"{path.name}:{number}"
            if len(cells) != len(COLUMNS):
                raise LexiconError(f"{where}: expected {len(COLUMNS)} columns, got {len(cells)}")
            term, category, label, substance, weight, ambiguous, lang, detail = cells
            row = Row(
                term=term,
                category=category,
                label=label,
                substance=substance,
                weight=parse_weight(weight, where),
                ambiguous=parse_bool(ambiguous, where),
                lang=lang,
                detail=detail.strip(),
                source=f"curated/{path.name}",
            )
            validate(row, where)
            if row.term in seen:
                raise LexiconError(f"{where}: term {row.term!r} already defined in {seen[row.term]}")
            seen[row.term] = where
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- DEA


@dataclass(frozen=True)
class DeaClass:
    key: str
    name: str
    substance: str
    display: str


@dataclass(frozen=True)
class DeaDecision:
    decision: str
    weight: float | None
    substance: str | None
    lang: str | None
    reason: str
    where: str


@dataclass(frozen=True)
class DeaTerm:
    """One occurrence of a term in one DEA class."""

    term: str
    raw: str
    note: str
    cls: DeaClass


def load_dea_classes(curated_dir: Path) -> dict[str, DeaClass]:
    path = curated_dir / "dea_classes.tsv"
    classes: dict[str, DeaClass] = {}
    for number, cells in read_tsv(path):
        where = f"{path.name}:{number}"
        if len(cells) != 4:
            raise LexiconError(f"{where}: expected 4 columns")
        key, name, substance, display = cells
        if substance not in SUBSTANCES or not substance:
            raise LexiconError(f"{where}: bad substance {substance!r}")
        classes[name] = DeaClass(key, name, substance, display)
    return classes


_DEA_NOTE = re.compile(r"^(?P<base>.*?)\s*\((?P<note>[^)]*)\)\s*$")
# One source line lacks a ';' after a parenthetical: "Gigi (hydroponic) Giggle Smoke".
_DEA_SPLIT = re.compile(r";|(?<=\))\s+(?=[A-Z])")


def parse_dea(path: Path, classes: dict[str, DeaClass]) -> list[DeaTerm]:
    occurrences: list[DeaTerm] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.split("~")
            if len(parts) != 3:
                raise LexiconError(f"{path.name}:{number}: expected Drug~Brand~terms")
            drug, _brand, terms = parts
            if drug not in classes:
                raise LexiconError(f"{path.name}:{number}: DEA class {drug!r} not in dea_classes.tsv")
            cls = classes[drug]
            seen: set[str] = set()
            for raw in _DEA_SPLIT.split(terms):
                raw = raw.strip()
                if not raw:
                    continue
                match = _DEA_NOTE.match(raw)
                base, note = (match["base"], match["note"]) if match else (raw, "")
                term = normalize_term(base)
                if term and term not in seen:  # the source repeats a few terms
                    seen.add(term)
                    occurrences.append(DeaTerm(term, raw, note.strip(), cls))
    return occurrences


def load_dea_decisions(curated_dir: Path, classes: dict[str, DeaClass]) -> dict[tuple[str, str], DeaDecision]:
    path = curated_dir / "dea_decisions.tsv"
    keys = {cls.key for cls in classes.values()} | {"*"}
    decisions: dict[tuple[str, str], DeaDecision] = {}
    for number, cells in read_tsv(path):
        where = f"{path.name}:{number}"
        cells = cells + [""] * (7 - len(cells))
        if len(cells) != 7:
            raise LexiconError(f"{where}: expected 7 columns, got {len(cells)}")
        term, key, decision, weight, substance, lang, reason = cells
        term = normalize_term(term)
        if key not in keys:
            raise LexiconError(f"{where}: unknown class key {key!r}")
        if decision not in DEA_DECISIONS:
            raise LexiconError(f"{where}: decision must be keep, ambiguous or drop")
        if substance and substance not in SUBSTANCES:
            raise LexiconError(f"{where}: unknown substance {substance!r}")
        if lang and lang not in LANGS:
            raise LexiconError(f"{where}: bad lang {lang!r}")
        if decision == "drop" and not reason:
            raise LexiconError(f"{where}: a drop needs a reason")
        if (term, key) in decisions:
            raise LexiconError(f"{where}: duplicate decision for {term!r} / {key}")
        decisions[(term, key)] = DeaDecision(
            decision=decision,
            weight=parse_weight(weight, where) if weight else None,
            substance=substance or None,
            lang=lang or None,
            reason=reason.strip(),
            where=where,
        )
    return decisions


@dataclass(frozen=True)
class DeaOutcome:
    term: str
    classes: tuple[str, ...]
    rule: str  # keep-default | keep | ambiguous | drop:<reason>
    row: Row | None


def build_dea(occurrences: list[DeaTerm], decisions: dict[tuple[str, str], DeaDecision]) -> list[DeaOutcome]:
    """Apply the review to every DEA term; one outcome per distinct term."""
    by_term: dict[str, list[DeaTerm]] = {}
    for occ in occurrences:
        by_term.setdefault(occ.term, []).append(occ)

    used: set[tuple[str, str]] = set()
    outcomes: list[DeaOutcome] = []
    for term in sorted(by_term):
        occs = by_term[term]
        resolved: list[tuple[DeaTerm, DeaDecision | None]] = []
        for occ in occs:
            key = (term, occ.cls.key) if (term, occ.cls.key) in decisions else (term, "*")
            decision = decisions.get(key)
            if decision is not None:
                used.add(key)
            resolved.append((occ, decision))

        signatures = {(d.decision, d.weight, d.substance, d.lang) if d else None for _, d in resolved}
        if len(signatures) > 1:
            raise LexiconError(
                f"DEA term {term!r} is in several classes with different decisions; "
                "give it one '*' decision in dea_decisions.tsv"
            )
        decision = resolved[0][1]
        class_names = tuple(occ.cls.display for occ in occs)
        if decision is not None and decision.decision == "drop":
            outcomes.append(DeaOutcome(term, class_names, f"drop:{decision.reason}", None))
            continue

        substances = sorted({occ.cls.substance for occ in occs})
        if decision is not None and decision.substance:
            substance = decision.substance
        elif len(substances) == 1:
            substance = substances[0]
        else:
            raise LexiconError(
                f"DEA term {term!r} means {', '.join(substances)}; set one substance "
                "on its '*' row in dea_decisions.tsv"
            )
        ambiguous = decision is not None and decision.decision == "ambiguous"
        if decision is not None and decision.weight is not None:
            weight = decision.weight
        else:
            weight = DEA_AMBIGUOUS_WEIGHT if ambiguous else DEA_KEEP_WEIGHT
        notes = sorted({occ.note for occ in occs if occ.note})
        detail = f"DEA street name for {' / '.join(class_names)} (2018 list)"
        if notes:
            detail += f"; {'; '.join(notes)}"
        if decision is not None and decision.reason:
            detail += f"; {decision.reason}"
        row = Row(
            term=term,
            category="slang",
            label="drug_sale",
            substance=substance,
            weight=weight,
            ambiguous=ambiguous,
            lang=(decision.lang if decision is not None and decision.lang else "en"),
            detail=detail,
            source="dea",
        )
        validate(row, f"DEA term {term!r}")
        rule = decision.decision if decision is not None else "keep-default"
        outcomes.append(DeaOutcome(term, class_names, rule, row))

    stale = sorted(set(decisions) - used)
    if stale:
        listing = ", ".join(f"{decisions[k].where} {k[0]!r}" for k in stale)
        raise LexiconError(f"dea_decisions.tsv rows that match no DEA term: {listing}")
    return outcomes


# --------------------------------------------------------------------------- RedMed


@dataclass(frozen=True)
class RedmedDrug:
    drug: str
    substance: str
    weight: float
    ambiguous: bool
    note: str


def load_redmed_drugs(curated_dir: Path) -> list[RedmedDrug]:
    path = curated_dir / "redmed_drugs.tsv"
    drugs: list[RedmedDrug] = []
    for number, cells in read_tsv(path):
        where = f"{path.name}:{number}"
        if len(cells) != 5:
            raise LexiconError(f"{where}: expected 5 columns")
        drug, substance, weight, ambiguous, note = cells
        if substance not in SUBSTANCES or not substance:
            raise LexiconError(f"{where}: bad substance {substance!r}")
        drugs.append(
            RedmedDrug(drug, substance, parse_weight(weight, where), parse_bool(ambiguous, where), note)
        )
    return drugs


def load_redmed_exclusions(curated_dir: Path) -> dict[str, str]:
    path = curated_dir / "redmed_exclude.tsv"
    excluded: dict[str, str] = {}
    for number, cells in read_tsv(path):
        if len(cells) != 2 or not cells[1].strip():
            raise LexiconError(f"{path.name}:{number}: expected term<TAB>reason")
        excluded[normalize_term(cells[0])] = cells[1].strip()
    return excluded


def _tokens(cell: str) -> list[str]:
    return [tok.strip() for tok in cell.split(",") if tok.strip() and tok.strip() != "-"]


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def build_redmed(
    path: Path, drugs: list[RedmedDrug], excluded: dict[str, str]
) -> tuple[list[Row], Counter[str]]:
    """Names and misspellings of the mapped RedMed drugs, filtered (see module doc)."""
    with path.open(encoding="utf-8", newline="") as handle:
        table = {rec["drug"]: rec for rec in csv.DictReader(handle, delimiter="\t")}
    stats: Counter[str] = Counter()
    rows: dict[str, Row] = {}
    used_exclusions: set[str] = set()

    def offer(term: str, drug: RedmedDrug, kind: str) -> None:
        term = normalize_term(term)
        if term in excluded:
            used_exclusions.add(term)
            stats["excluded (redmed_exclude.tsv)"] += 1
            return
        if term in rows:
            stats["duplicate of an earlier drug/column"] += 1
            return
        display = drug.drug.replace("_", " ")
        if kind == "name":
            detail = f"{drug.note}; name or brand of {display} (RedMed)"
        else:
            detail = f"{drug.note}; misspelling of {display} (RedMed)"
        row = Row(
            term=term,
            category="drug_name",
            label="drug_sale",
            substance=drug.substance,
            weight=drug.weight,
            ambiguous=drug.ambiguous,
            lang="*",
            detail=detail,
            source=f"redmed:{kind}",
        )
        validate(row, f"RedMed {drug.drug} {term!r}")
        rows[term] = row
        stats[f"kept {kind}"] += 1

    for drug in drugs:
        if drug.drug not in table:
            raise LexiconError(f"redmed_drugs.tsv: {drug.drug!r} is not a RedMed drug")
        rec = table[drug.drug]
        names = [drug.drug.replace("_", " ")]
        for column in REDMED_NAME_COLUMNS:
            for tok in _tokens(rec[column]):
                if "_" in tok:
                    stats["name: phrase with '_' (context, not a name)"] += 1
                elif tok != tok.lower() or len(tok) < REDMED_MIN_NAME_LEN:
                    stats["name: too short or case artefact"] += 1
                else:
                    names.append(tok)
        for name in names:
            offer(name, drug, "name")
        anchors = [normalize_term(n).replace(" ", "") for n in names]
        for column in REDMED_VARIANT_COLUMNS:
            for tok in _tokens(rec[column]):
                if not tok.isalpha() or tok != tok.lower() or len(tok) < REDMED_MIN_VARIANT_LEN:
                    stats["variant: not a plain word of 5+ letters"] += 1
                    continue
                best = max(_similarity(tok, anchor) for anchor in anchors)
                if best < REDMED_MIN_SIMILARITY:
                    stats[f"variant: similarity < {REDMED_MIN_SIMILARITY} to every name"] += 1
                    continue
                offer(tok, drug, "misspelling")

    unused = sorted(set(excluded) - used_exclusions)
    if unused:
        raise LexiconError(f"redmed_exclude.tsv terms that no RedMed candidate produces: {unused}")
    return sorted(rows.values(), key=lambda r: r.term), stats


# --------------------------------------------------------------------------- merge


@dataclass
class Build:
    rows: list[Row]
    dea: list[DeaOutcome]
    redmed_stats: Counter[str]
    superseded: list[tuple[Row, Row]]  # (dropped, kept)


_REPEATED = re.compile(r"([a-z])\1+")
SOURCE_RANK = {"curated": 0, "redmed:name": 1, "dea": 2, "redmed:misspelling": 3}


def match_key(term: str) -> str:
    """The form the matcher compares: repeated letters squeezed (``adderall`` -> ``aderal``)."""
    return _REPEATED.sub(r"\1", term)


def _rank(row: Row) -> int:
    return SOURCE_RANK["curated" if row.source.startswith("curated/") else row.source]


def merge(
    curated: list[Row], dea: Iterable[Row], redmed: Iterable[Row]
) -> tuple[list[Row], list[tuple[Row, Row]]]:
    """One row per term *as the matcher reads it*.

    The matcher squeezes repeated letters and lets a word term take a plural ``s``, so
    ``adderall``/``aderall`` and ``perc``/``percs`` would hit the same words twice and
    count twice. Each such group keeps one row: curated > RedMed name > DEA > RedMed
    misspelling, then the singular, then the higher weight. Two curated rows in one
    group are an error: the curator must choose.
    """
    candidates = [*curated, *redmed, *dea]
    keys = {match_key(row.term) for row in candidates}

    def group_of(term: str) -> str:
        key = match_key(term)
        if key.endswith("s") and len(key) >= 4 and key[:-1] in keys:
            return key[:-1]
        return key

    groups: dict[str, list[Row]] = {}
    for row in candidates:
        groups.setdefault(group_of(row.term), []).append(row)

    final: list[Row] = []
    superseded: list[tuple[Row, Row]] = []
    for key, rows in groups.items():
        hand = sorted(row.term for row in rows if _rank(row) == 0)
        if len(hand) > 1:
            raise LexiconError(
                f"curated terms {hand} read the same to the matcher "
                "(repeated letters squeezed, plural s allowed); keep one"
            )
        best = min(rows, key=lambda r: (_rank(r), match_key(r.term) != key, -r.weight, r.term))
        final.append(best)
        superseded.extend((row, best) for row in rows if row is not best)
    final.sort(key=lambda r: (CATEGORY_ORDER[r.category], r.term))
    return final, superseded


def build(sources: Path, curated_dir: Path) -> Build:
    for name in (DEA_FILE, REDMED_FILE):
        if not (sources / name).is_file():
            raise LexiconError(f"source file missing: {sources / name}")
    curated = load_curated_rows(curated_dir)
    classes = load_dea_classes(curated_dir)
    outcomes = build_dea(parse_dea(sources / DEA_FILE, classes), load_dea_decisions(curated_dir, classes))
    redmed_rows, stats = build_redmed(
        sources / REDMED_FILE, load_redmed_drugs(curated_dir), load_redmed_exclusions(curated_dir)
    )
    dea_rows = [o.row for o in outcomes if o.row is not None]
    rows, superseded = merge(curated, dea_rows, redmed_rows)
    # An entry of the DEA review that says 'drop' must not come back through RedMed.
    dropped = {o.term for o in outcomes if o.row is None}
    revived = [r.term for r in rows if r.term in dropped and r.source.startswith("redmed")]
    if revived:
        raise LexiconError(f"DEA terms dropped by the review but produced by RedMed: {revived}")
    return Build(rows, outcomes, stats, superseded)


def render(rows: list[Row]) -> str:
    lines = [f"# lexicon-version: {VERSION}", "\t".join(COLUMNS)]
    lines.extend("\t".join(row.cells()) for row in rows)
    return "\n".join(lines) + "\n"


def print_summary(result: Build, out: Path) -> None:
    by_category = Counter(row.category for row in result.rows)
    print(f"wrote {out} ({len(result.rows)} rows, version {VERSION})", file=sys.stderr)
    for category in CATEGORIES:
        print(f"  {category:14} {by_category[category]:5}", file=sys.stderr)
    rules = Counter(o.rule.split(":")[0] for o in result.dea)
    print(
        f"  DEA terms: {len(result.dea)} distinct; "
        + ", ".join(f"{k} {v}" for k, v in sorted(rules.items())),
        file=sys.stderr,
    )


def print_audit(result: Build) -> None:
    """Every DEA term and what became of it, then per-rule counts."""
    final = {row.term: row for row in result.rows}
    winner = {lost.term: kept for lost, kept in result.superseded if lost.source == "dea"}
    counts: Counter[str] = Counter()
    for outcome in result.dea:
        if outcome.row is None:
            status = outcome.rule  # drop:<reason>
            counts[f"dropped ({outcome.rule.split(':', 1)[1].split(' ')[0]})"] += 1
        elif outcome.term in final and final[outcome.term].source == "dea":
            status = f"included:{outcome.rule}"
            counts[f"included ({outcome.rule})"] += 1
        else:
            kept = winner[outcome.term]
            status = f"superseded:{kept.source}:{kept.category}:{kept.term}"
            counts[f"superseded by {kept.source.split(':')[0].split('/')[0]} row"] += 1
        print(f"{outcome.term}\t{' / '.join(outcome.classes)}\t{status}")
    print("# DEA outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print("# RedMed filters: " + ", ".join(f"{k}={v}" for k, v in sorted(result.redmed_stats.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "sources",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCES,
        help="folder holding the two source lexicons (default: %(default)s)",
    )
    parser.add_argument("--curated", type=Path, default=CURATED_DIR, help="curated folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output terms.tsv")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not up to date")
    parser.add_argument("--audit", action="store_true", help="print the fate of every DEA term")
    args = parser.parse_args(argv)

    try:
        result = build(args.sources, args.curated)
    except LexiconError as exc:
        print(f"build_lexicon: {exc}", file=sys.stderr)
        return 2
    text = render(result.rows)
    if args.audit:
        print_audit(result)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"build_lexicon: {args.out} is out of date; rebuild it", file=sys.stderr)
            return 1
        print(f"build_lexicon: {args.out} is up to date", file=sys.stderr)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    print_summary(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
