# The few commands people type. `make demo` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
DEMO := data/demo
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: install demo test lint clean

install: $(INSTALLED)

# Rebuilt when missing, when pyproject.toml changes, or when the venv's Python no longer runs.
$(INSTALLED): pyproject.toml package-lock.json
	@$(BIN)/python -c "" 2>/dev/null || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
	@# axe-core, for the accessibility check of the reports in Chromium (tests only)
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; \
	  else echo "npm is not installed: the accessibility test will be skipped (apt-get install npm)."; fi
	@$(BIN)/python -c "import evalkit, pytest" && touch $(INSTALLED)

# A programme of three fictional places (data/demo/<place>/), each round ingested, every report run.
demo: $(INSTALLED)
	rm -rf $(DEMO)
	$(BIN)/evalkit demo --programme --out $(DEMO)
	@# Kingsford comes as Qualtrics exports and Millbrook as KoboToolbox exports (each read by
	@# its mapping.yml); Northbridge in evalkit's own layout.
	@for place in $(DEMO)/*/; do \
	  for dir in $$place/incoming/round-*; do \
	    r=$$((10#$${dir##*-})); \
	    if [ -f $$dir/export.csv ]; then \
	      $(BIN)/evalkit ingest $$place --round $$r --export $$dir/export.csv \
	        --mapping $$place/mapping.yml --events $$dir/events.csv || exit 1; \
	    else \
	      $(BIN)/evalkit ingest $$place --round $$r --ratings $$dir/ratings.csv \
	        --ties $$dir/ties.csv --reflections $$dir/reflections.csv --events $$dir/events.csv \
	        || exit 1; \
	    fi; \
	  done; \
	done
	@# Each report as a web page, a PDF (printed by headless Chromium) and a Word file, with its
	@# charts and tables in figures/. Without Chromium, the PDFs are left out and it says so.
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || [ -n "$$EVALKIT_CHROMIUM" ]; then \
	  $(BIN)/evalkit run $(DEMO) --all --formats html,pdf,docx; \
	else \
	  echo "Chromium is not installed (apt-get install chromium): no PDFs this time."; \
	  $(BIN)/evalkit run $(DEMO) --all --formats html,docx; \
	fi
	@echo "Open outputs/index.html to read the reports."

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(DEMO) outputs/*/ outputs/index.html .pytest_cache .hypothesis
