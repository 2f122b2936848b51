# marbledx developer commands. Only Python 3.11+ and make are needed on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "marbledx needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# An editable install leaves marbledx's own modules uncompiled; compile them as a regular install does, so
	# the first runs do not pay for it (nor every run where PYTHONDONTWRITEBYTECODE is set).
	$(BIN)/python -m compileall -q src/marbledx
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/marbledx analyze examples/infant-aro.json --vcf examples/infant-aro.vcf --labs examples/infant-aro-labs.csv \
		--ped examples/infant-aro.ped -o examples/infant-aro-report.html
	$(BIN)/marbledx analyze examples/infant-aro.json --vcf examples/infant-aro.vcf --labs examples/infant-aro-labs.csv \
		--ped examples/infant-aro.ped --audience family -o examples/infant-aro-family.html
	@echo "Open examples/infant-aro-report.html (clinician) and examples/infant-aro-family.html (family)."

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

SHARED ?= ../shared

.venv-baseline/.installed:
	test -x .venv-baseline/bin/python || $(PYTHON) -m venv .venv-baseline
	.venv-baseline/bin/python -m pip install --quiet hpo3==1.5.1
	touch .venv-baseline/.installed

bench: $(STAMP) .venv-baseline/.installed
	$(BIN)/python benchmarks/bench_hpo_load.py
	$(BIN)/python benchmarks/bench_term_search.py
	$(BIN)/python benchmarks/bench_single_case.py
	@if [ -d $(SHARED)/cases/dev ]; then $(BIN)/python benchmarks/bench_ranking.py $(SHARED)/cases/dev --top-groups 20; fi
	@if [ -f $(SHARED)/data/phenopacket-store-dev.tar.gz ]; then $(BIN)/python benchmarks/bench_ranking.py $(SHARED)/data/phenopacket-store-dev.tar.gz; fi
	@if [ -f $(SHARED)/data/phenopacket-store-dev.tar.gz ]; then $(BIN)/python benchmarks/bench_calibration.py $(SHARED)/data/phenopacket-store-dev.tar.gz; fi
	@if [ -f $(SHARED)/data/phenopacket-store-dev.tar.gz ]; then $(BIN)/python benchmarks/bench_onset.py $(SHARED)/data/phenopacket-store-dev.tar.gz; fi
	$(BIN)/python benchmarks/bench_vcf_read.py
	$(BIN)/python benchmarks/bench_genotype.py $(SHARED)/cases/dev
	@if [ -f $(SHARED)/data/phenopacket-store-dev.tar.gz ]; then $(BIN)/python benchmarks/bench_genotype.py $(SHARED)/data/phenopacket-store-dev.tar.gz --sample 1200 --exome-records 0; fi
	$(BIN)/python benchmarks/bench_web_load.py

clean:
	rm -rf $(VENV) .venv-baseline .mypy_cache .pytest_cache .ruff_cache
	find src tests benchmarks -name __pycache__ -prune -exec rm -rf {} +
