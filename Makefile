# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where scripts/build-ferretdb puts (or has put) FerretDB: a per-user cache, by version.
FERRETDB := $(shell scripts/build-ferretdb --path)

.PHONY: run test bench lint typecheck sdl clean redis-server ferretdb chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tessera serve

# Two pytest processes (pytest-xdist), each with its own FerretDB: about 6 minutes on a
# 2-core machine. `.venv/bin/pytest tests/...` alone runs in one process.
test: $(STAMP) redis-server ferretdb chromium lint typecheck
	$(BIN)/pytest -n 2

# The realtime tests start their own redis-server; install it only where it is missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing redis-server (the realtime tests start their own)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# The consoles' browser tests drive Debian's chromium through Playwright (never a downloaded
# browser); install it only where it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (the consoles' browser tests drive it)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The real-MongoDB tests run on FerretDB (see tests/ferretdb.py), built once per user; a
# failed build stops `make test` with Go's error rather than skipping those tests.
# `scripts/build-ferretdb` alone rebuilds it.
ferretdb:
	@test -x "$(FERRETDB)" || scripts/build-ferretdb

# `lint-imports`: the layer contracts in pyproject.toml (layers only point down).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Each figure on the embedded store and on FerretDB (built if missing), then the two-instance
# figure on FerretDB and one redis-server, idle serve with 50,000 members and a member's
# history of 10,000 purchases: see the README's Benchmark section for the time it takes.
bench: $(STAMP) redis-server ferretdb
	$(BIN)/python -m bench.graphql_overhead
	$(BIN)/python -m bench.realtime
	$(BIN)/python -m bench.dispatch
	$(BIN)/python -m bench.store_scale
	$(BIN)/python -m bench.scale_out
	$(BIN)/python -m bench.idle
	$(BIN)/python -m bench.member_history
	$(BIN)/python -m bench.preview
	$(BIN)/python -m bench.campaigns
	$(BIN)/python -m bench.persisted_documents

sdl: $(STAMP)
	$(BIN)/tessera sdl --write

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
