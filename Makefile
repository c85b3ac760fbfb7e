# make run: set up .venv and open bpsim.  make test: set up .venv, check the layering
# (import-linter) and run every test.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test bench fuzz fuzz-window clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# two stamps: what the app needs (make run), and that plus the test tools (make test)
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q bpsim ui  # bytecode up front: a quicker first start
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# the former single stamp: the app with the test tools
$(VENV)/.installed: $(VENV)/.installed-test
	touch $@

run: $(VENV)/.installed-app
	$(BIN)/bpsim $(ARGS)

# import-linter reads the package as installed, bpsim.ui inside bpsim; the folders sit
# side by side here, so the check runs on a tree of links in that shape.
IMPORT_GRAPH = build/import-graph

test: $(VENV)/.installed-test
	rm -rf $(IMPORT_GRAPH) && mkdir -p $(IMPORT_GRAPH)/bpsim
	ln -s "$(CURDIR)"/bpsim/* $(IMPORT_GRAPH)/bpsim/
	ln -s "$(CURDIR)/ui" $(IMPORT_GRAPH)/bpsim/ui
	ln -s "$(CURDIR)/resources" $(IMPORT_GRAPH)/bpsim/resources
	cd $(IMPORT_GRAPH) && "$(abspath $(BIN))/lint-imports" --no-cache "$(CURDIR)/pyproject.toml"
	$(BIN)/python -m pytest -q

# random editing sessions in the window until MINUTES are up; one-line summary, each
# distinct failure's seed and minimal action list kept in build/fuzz-window/
MINUTES ?= 10
fuzz-window: $(VENV)/.installed-test
	$(BIN)/python tests/ui/window_fuzz.py --minutes $(MINUTES) --out build/fuzz-window

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

# The scenario-file fuzzer for FUZZ_SECONDS (default 600): one summary line
# ("N files, M runs, K failures"), the smallest reproducer of each distinct failure in
# fuzz/failures/, exit 1 on any failure.  FUZZ_SEED repeats a run.
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.installed-test
	$(BIN)/python fuzz/files.py --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

clean:
	rm -rf $(VENV) build dist *.egg-info

# The standalone bundle: a one-folder application in dist/bpsim/ that runs without
# Python (PyInstaller, packaging/bpsim.spec), built in a venv of its own so that
# PyInstaller stays out of .venv.  It takes a few minutes, so make test leaves it out;
# make bundle-check starts it from a folder outside the repository with no Python on
# PATH and prints its size and start-up times.
BUNDLE_VENV = build/bundle-venv

.PHONY: bundle bundle-check

$(BUNDLE_VENV)/bin/python:
	$(PYTHON) -m venv $(BUNDLE_VENV)

bundle: | $(BUNDLE_VENV)/bin/python
	$(BUNDLE_VENV)/bin/python -m pip install --quiet '.[bundle]'
	$(BUNDLE_VENV)/bin/pyinstaller --noconfirm --clean --distpath dist \
		--workpath build/pyinstaller packaging/bpsim.spec

bundle-check:
	$(PYTHON) packaging/check_bundle.py dist/bpsim
