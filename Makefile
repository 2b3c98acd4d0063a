# Two commands set everything up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
DATA := $(SHARED)/data
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Scan the bundled sample posts and print the summary table.
run: $(STAMP)
	@mkdir -p out
	$(BIN)/interdictor scan data/sample/posts.jsonl -o out/sample_scan.jsonl
	@echo "results: out/sample_scan.jsonl"

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# Score the scan on every labelled file in $(DATA), per source.
eval: $(STAMP)
	@mkdir -p out/eval
	@cat $(DATA)/*/*.jsonl > out/eval/gold.jsonl
	$(BIN)/interdictor scan out/eval/gold.jsonl -o out/eval/pred.jsonl
	$(BIN)/python $(SHARED)/eval/score.py out/eval/gold.jsonl out/eval/pred.jsonl --by source

bench: $(STAMP)
	$(BIN)/python scripts/bench.py --posts 100000

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
