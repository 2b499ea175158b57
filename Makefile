# Every target creates what it needs: `make dev` and `make test` work on a fresh clone.
PY      := .venv/bin/python
VENV    := .venv/.installed
NODE    := tests/node/node_modules/.installed
BENCH_NODE := bench/node/node_modules/.installed

.PHONY: dev test lint fmt schema check bench postgres clean

$(VENV): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e '.[dev,otlp]'
	touch $@

$(NODE): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BENCH_NODE): bench/node/package.json bench/node/package-lock.json
	cd bench/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Start the whole stack: three subgraphs (SQLite, seeded) + router with GraphiQL on :4000
dev: $(VENV)
	.venv/bin/fedra dev

## The full test suite (installs the virtualenv and the reference Node packages first)
test: $(VENV) $(NODE) $(BENCH_NODE)
	.venv/bin/pytest -q

## Lint and types
lint: $(VENV)
	.venv/bin/ruff check router subgraphs tests bench
	.venv/bin/ruff format --check router subgraphs tests bench
	.venv/bin/mypy

fmt: $(VENV)
	.venv/bin/ruff format router subgraphs tests bench
	.venv/bin/ruff check --fix router subgraphs tests bench

## Regenerate the committed subgraph SDLs and the composed supergraph
schema: $(VENV)
	$(PY) -m subgraphs.export_schema
	.venv/bin/fedra compose --config supergraph.yaml --output schema/supergraph.graphql

## Schema check of the current subgraphs against the committed supergraph
check: $(VENV)
	.venv/bin/fedra check --config supergraph.yaml

bench: $(VENV) $(BENCH_NODE)
	$(PY) -m bench.run

## A throwaway PostgreSQL server for the PostgreSQL test run (prints the DSN to export)
postgres:
	bash .ci/postgres.sh

clean:
	rm -rf .venv tests/node/node_modules bench/node/node_modules var .mypy_cache .ruff_cache .pytest_cache
