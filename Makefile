# Two commands set everything up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
DATA := $(SHARED)/data
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint eval crossval model bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# Browser tests drive Debian's chromium (never a downloaded browser).
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "could not install chromium: browser tests will be skipped"
	touch $@

# Start the service on the embedded default (SQLite file interdictor.db) with the bundled
# sample posts ingested; it prints the URL and a new local admin key.
run: $(STAMP)
	$(BIN)/interdictor serve --seed data/sample/posts.jsonl --new-admin-key

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# Score the scan on every labelled file in $(DATA), per source, beside a plain
# banned-words list; then the authored held-out split, which training never sees.
eval: $(STAMP)
	@mkdir -p out/eval
	@cat $(DATA)/*/*.jsonl > out/eval/gold.jsonl
	@cat data/authored/*/heldout.jsonl > out/eval/heldout.jsonl
	$(BIN)/interdictor scan out/eval/gold.jsonl -o out/eval/pred.jsonl
	@echo "== real data ($(DATA)), by source: the shipped detector"
	@$(BIN)/python $(SHARED)/eval/score.py out/eval/gold.jsonl out/eval/pred.jsonl --by source
	@$(BIN)/python scripts/banned_words.py out/eval/gold.jsonl out/eval/banned.jsonl
	@echo "== real data, by source: a plain banned-words list, for comparison"
	@$(BIN)/python $(SHARED)/eval/score.py out/eval/gold.jsonl out/eval/banned.jsonl --by source
	$(BIN)/interdictor scan out/eval/heldout.jsonl -o out/eval/heldout_pred.jsonl
	@echo "== authored held-out split (never trained on), by language"
	@$(BIN)/python $(SHARED)/eval/score.py out/eval/heldout.jsonl out/eval/heldout_pred.jsonl --by lang

# Honest figures for the trained detector: each real source held out of training in
# turn (and each Enron mailbox), and the authored held-out split with evaded copies.
crossval: $(STAMP)
	$(BIN)/interdictor train --shared $(DATA) --cross-validate --out out/crossval-model

# Rebuild the shipped model (same data and seed give the same model).
model: $(STAMP)
	$(BIN)/interdictor train --shared $(DATA)

bench: $(STAMP)
	@echo "== short posts (up to 280 characters)"
	$(BIN)/python scripts/bench.py --posts 100000 --max-chars 280
	@echo "== all posts (listings, e-mails, reviews included)"
	$(BIN)/python scripts/bench.py --posts 100000
	@echo "== HTTP API: single-post scoring on loopback"
	$(BIN)/python scripts/bench_api.py
	@echo "== stream worker (Redis Streams to SQLite)"
	$(BIN)/python scripts/bench_worker.py

clean:
	rm -rf $(VENV) out build interdictor.db interdictor.db-wal interdictor.db-shm *.egg-info src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
