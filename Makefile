# golab: a Jupyter kernel for Go, and lessons on concurrency versus parallelism.
#
#   make run    install what is missing, build, install the kernel, start JupyterLab
#   make test   install what is missing, then run every test
#
# Set-up is idempotent: what is already there is reused.

SHELL      := /bin/bash
PORT       ?= 8888
VENV       := .venv
PY         := $(VENV)/bin/python
BIN        := bin/golab
GO         ?= go
# Debian packages: libzmq for the kernel (cgo); the rest only for tests.
SYS_PKGS      := libzmq3-dev pkg-config
SYS_TEST_PKGS := python3-jupyter-client python3-pytest chromium

export CGO_ENABLED := 1

.PHONY: all deps deps-sys deps-test-sys deps-py build kernelspec run test test-go test-clients \
        test-debian test-browser fuzz bench lessons-html clean help

all: build

help:
	@sed -n '3,6s/^# \{0,1\}//p' Makefile

## --- set-up ---------------------------------------------------------------

deps: deps-sys deps-py

# The C library pebbe/zmq4 links against. As root it is installed with apt;
# otherwise the exact command is printed.
deps-sys:
	@if pkg-config --exists libzmq 2>/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(SYS_PKGS) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYS_PKGS) >/dev/null; \
	else \
		echo "golab needs libzmq and pkg-config. Install them with:"; \
		echo "  sudo apt-get install $(SYS_PKGS)      (Debian, Ubuntu)"; \
		echo "  brew install zeromq pkg-config             (macOS)"; \
		exit 1; \
	fi

# What only the tests need: Debian's older Jupyter client (users still have
# it) and Chromium for the browser test.
deps-test-sys: deps-sys
	@missing=""; for p in $(SYS_TEST_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "the tests need:$$missing. Install them with:"; \
		echo "  sudo apt-get install$$missing"; \
		exit 1; \
	fi

# The Jupyter stack, pinned, in a project-local virtualenv.
deps-py: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@command -v python3 >/dev/null || { echo "golab needs Python 3 (python3) to run Jupyter"; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV) || { \
		echo "could not create $(VENV): install the venv module (sudo apt-get install python3-venv)"; exit 1; }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

## --- build ----------------------------------------------------------------

build: deps-sys
	$(GO) build -o $(BIN) .

# The kernelspec goes into the virtualenv, where its Jupyter looks first.
kernelspec: build deps-py
	$(BIN) install --prefix $(VENV)

## --- run ------------------------------------------------------------------

# JupyterLab on notebooks/ at 127.0.0.1:$(PORT), token auth on: it prints the
# URL with its token. A taken port is an error, not a silent move to another.
run: kernelspec
	@if (exec 3<>/dev/tcp/127.0.0.1/$(PORT)) 2>/dev/null; then \
		echo "port $(PORT) is in use: stop what uses it or run: make run PORT=8890"; exit 1; fi
	@echo "starting JupyterLab on http://127.0.0.1:$(PORT) (open the URL with the token printed below; Ctrl-C stops it)"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.port_retries=0 \
		--ServerApp.root_dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## --- tests ----------------------------------------------------------------

test: deps deps-test-sys
	$(GO) vet ./...
	$(MAKE) test-go
	$(MAKE) test-clients
	$(MAKE) test-browser

test-go:
	$(GO) test ./...

# The kernel driven by real Jupyter clients: jupyter_client 8 and the
# conformance suite from .venv, then Debian's jupyter_client 7.
test-clients: build deps-py
	GOLAB_BIN=$(CURDIR)/$(BIN) $(PY) -m pytest -q kernel/clienttest
	GOLAB_BIN=$(CURDIR)/$(BIN) $(PY) -m pytest -q notebooks/check_notebooks.py
	$(MAKE) test-debian

test-debian: build
	GOLAB_BIN=$(CURDIR)/$(BIN) /usr/bin/python3 -m pytest -q -p no:cacheprovider kernel/clienttest/test_protocol.py

BROWSERTEST := kernel/browsertest

# playwright-core from npm, pinned by package-lock.json; it drives Debian's
# chromium (deps-test-sys). No browser is downloaded.
$(BROWSERTEST)/node_modules/.package-lock.json: $(BROWSERTEST)/package.json $(BROWSERTEST)/package-lock.json
	@command -v npm >/dev/null || { echo "the browser test needs Node.js 20+ with npm (sudo apt-get install nodejs npm)"; exit 1; }
	cd $(BROWSERTEST) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

# A lesson run in JupyterLab 4 in headless Chromium; screenshots in kernel/browsertest/out/.
test-browser: build deps-py deps-test-sys $(BROWSERTEST)/node_modules/.package-lock.json
	JUPYTER=$(CURDIR)/$(VENV)/bin/jupyter GOLAB_BIN=$(CURDIR)/$(BIN) CHROMIUM=/usr/bin/chromium \
		node --test $(BROWSERTEST)/

fuzz:
	$(GO) test ./kernel/wire -run '^$$' -fuzz FuzzDecode -fuzztime 30s
	$(GO) test ./kernel/notebook -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./kernel/engine -run '^$$' -fuzz FuzzSplitCell -fuzztime 30s
	$(GO) test ./kernel/engine -run '^$$' -fuzz FuzzRewrite -fuzztime 30s

# golab and ipykernel side by side in one run; writes BENCHMARKS.md.
# Benchmarks, not tests: nothing here fails on a slow machine.
bench: kernelspec
	$(GO) test -run '^$$' -bench . -benchtime 2x ./kernel/... ./lessons/...
	GOLAB_BIN=$(abspath $(BIN)) $(PY) kernel/benchmark/bench.py

# Executed HTML copies of the lessons, for reading without Jupyter.
lessons-html: kernelspec
	$(VENV)/bin/jupyter nbconvert --to html --execute --ExecutePreprocessor.kernel_name=golab \
		--ExecutePreprocessor.timeout=300 --output-dir build/lessons-html notebooks/*.ipynb
	@echo "open build/lessons-html/00-start-here.html"

clean:
	rm -rf bin build
