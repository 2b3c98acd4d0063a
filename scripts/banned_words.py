"""Baseline for comparison: a plain banned-words list.

Flags a post as drug_sale when any drug name, slang term or pill imprint from the
lexicon appears in it (ignoring weights, ambiguity and context), as a keyword filter
would. Reads scan input, writes scan-shaped output:

    python scripts/banned_words.py IN.jsonl OUT.jsonl
"""

from __future__ import annotations

import sys

import orjson

from interdictor.detect.lexicon import default_lexicon
from interdictor.detect.rules import DRUG_CATEGORIES
from interdictor.normalize import normalize_views


def main(src: str, dst: str) -> None:
    lexicon = default_lexicon()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for line in fin:
            row = orjson.loads(line)
            hit = any(
                h.category in DRUG_CATEGORIES
                for view in normalize_views(row["text"])
                for h in lexicon.find(view)
            )
            fout.write(
                orjson.dumps({"id": row["id"], "labels": ["drug_sale"] if hit else [], "substances": []})
                + b"\n"
            )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
