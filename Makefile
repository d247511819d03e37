# Two commands on a fresh Debian/Ubuntu machine: `make train` and `make test`.
# Both set up what is missing first (apt libraries, .venv/, core and plugins editable);
# setup is skipped when nothing it depends on changed since the last one.

VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.nnplug-setup
PLUGINS := $(sort $(dir $(wildcard plugins/*/setup.cfg)))
SETUP_INPUTS := Makefile requirements.txt constraints.txt setup.cfg $(wildcard plugins/*/setup.cfg)
PYTEST_ARGS ?=

.PHONY: setup train test bench clean

setup: $(STAMP)

$(STAMP): $(SETUP_INPUTS)
	@scripts/install-system-deps
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check --upgrade pip "setuptools>=64" wheel
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . $(foreach p,$(PLUGINS),-e $(p))
	@touch $(STAMP)

train: setup
	bin/train

# Two test workers on two cores: one math thread each, or they oversubscribe the machine.
test: setup
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PYTHON) -m pytest -n 2 -q $(PYTEST_ARGS)

bench: setup
	$(VENV)/bin/nnplug bench

clean:
	rm -rf $(VENV) runs minibatches inference bench-results
