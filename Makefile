# The single entry point for people and CI. Every target sets up .venv on first use
# from pyproject.toml, so a fresh clone needs only Python 3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: compile check test lint types unit request-schema devices fastcheck bench bench-smoke clean conformance

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	touch $(READY)

compile: $(READY)   ## compile specs/ into build/ (offline)
	$(BIN)/jobspec compile

check: $(READY)     ## fail when build/ is not what specs/ compile to
	$(BIN)/jobspec check

test: lint types unit   ## everything CI runs

lint: $(READY)
	$(BIN)/ruff check compiler tests tools bench
	$(BIN)/ruff format --check compiler tests tools bench
	$(BIN)/lint-imports

types: $(READY)
	$(BIN)/mypy

unit: $(READY)
	$(BIN)/python -m pytest -q

# The compiler against the real Braket SDK, offline (tests/conformance): the SDK is the
# `conformance` extra, installed into .venv on first use (it needs Python >= 3.11).
CONFORMANCE := $(VENV)/.conformance

$(CONFORMANCE): $(READY) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,conformance]'
	$(BIN)/python -c 'import braket.jobs.quantum_job_creation' || \
		{ echo "make conformance: the Braket SDK did not install (it needs Python >= 3.11)" >&2; exit 1; }
	touch $(CONFORMANCE)

conformance: $(CONFORMANCE)   ## differential tests against the Braket SDK; ends with the counts line
	$(BIN)/python -m pytest -q tests/conformance

request-schema: $(READY)   ## re-derive schema/createjob-request.schema.json from botocore, then the fast validators
	$(BIN)/python tools/derive_request_schema.py > schema/createjob-request.schema.json.tmp
	mv schema/createjob-request.schema.json.tmp schema/createjob-request.schema.json
	$(MAKE) fastcheck

devices: $(CONFORMANCE)   ## re-derive the device catalogue (sdk/data/devices.json) from the pinned Braket SDK
	$(BIN)/python tools/derive_devices.py > compiler/braket_jobspec/sdk/data/devices.json.tmp
	mv compiler/braket_jobspec/sdk/data/devices.json.tmp compiler/braket_jobspec/sdk/data/devices.json

bench: $(READY)   ## jobspec against check-jsonschema, 1000 specs; writes docs/performance.md
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python bench/run.py --write-docs $(BENCH_ARGS)

bench-smoke: $(READY)   ## the benchmark on a small tree, to show that it works (CI)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python bench/run.py -n 40 --scaling 20,40 --modules 5 --repeat 1 --large 100

fastcheck: $(READY)   ## regenerate compiler/braket_jobspec/check/fastcheck/ after a change of schema/
	$(BIN)/python tools/generate_fastcheck.py

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
