# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000

.PHONY: demo test install translations lint test-sqlite test-postgresql bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@$(BIN)/python -m portal.i18n compile

demo: install
	$(BIN)/shuyuan demo --port $(PORT)

lint: install
	$(BIN)/ruff check .

test-sqlite: install
	$(BIN)/python -m pytest -q

# The same suite on a throwaway PostgreSQL cluster (skipped with a notice if
# PostgreSQL is not installed; .ci/run installs it and makes skipping an error).
test-postgresql: install
	@if $(BIN)/python -c "from tests.support.pgcluster import _binary; _binary('initdb')" 2>/dev/null; then \
		SHUYUAN_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -m "not browser"; \
	elif [ -n "$$SHUYUAN_REQUIRE_ALL" ]; then \
		echo "PostgreSQL binaries (initdb, pg_ctl) are missing"; exit 1; \
	else \
		echo "NOTICE: PostgreSQL is not installed; skipping the PostgreSQL run (apt-get install postgresql)"; \
	fi

test: lint test-sqlite test-postgresql

bench: install
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
