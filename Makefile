# Claude-on-Bedrock gateway: local loop, tests, lint, benchmarks.
#   make up     run the gateway locally (LiteLLM + Bedrock emulator + VictoriaMetrics when installed)
#   make test   every test (installs what it needs on first use)
SHELL := /bin/bash
.DEFAULT_GOAL := help

include versions.env
export LITELLM_VERSION

PY := .venv/bin/python
PYTEST_ARGS ?=
# Test workers. Each runs whole files (--dist loadfile, with tests/conftest.py's scheduler), so a module's processes
# start once. The suite mostly waits on the processes it starts, so more workers than cores pays
# off (docs/testing.md has the measurements).
TEST_WORKERS ?= 4
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile

.PHONY: help deps up down config test test-fast lint fmt bench soak chaos lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

deps: ## install Python, system and node dependencies (idempotent)
	@tools/bootstrap.sh python checkov system node

up: ## run the local gateway in the foreground (Ctrl-C stops everything)
	@tools/bootstrap.sh python
	@$(PY) scripts/local_stack.py up $(ARGS)

down: ## stop a local gateway started by make up (from another terminal)
	@tools/bootstrap.sh python
	@$(PY) scripts/local_stack.py down $(ARGS)

config: ## render infra/litellm/config.yaml's models from infra/litellm/models.yaml (after editing the catalogue)
	@tools/bootstrap.sh python
	@$(PY) tools/render_gateway_config.py

test: deps ## run every test against the real proxy, emulator, VictoriaMetrics, promtool, checkov
	@$(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: ## the edit loop: every test not marked slow, on the same workers (Python deps only; run make deps once)
	@tools/bootstrap.sh python
	@$(PY) -m pytest $(PYTEST_PARALLEL) -m "not slow" $(PYTEST_ARGS)

lint: ## ruff, yamllint, shellcheck, terraform fmt
	@tools/bootstrap.sh python system
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/yamllint -s .
	@git ls-files '*.sh' .ci/run | xargs -r shellcheck
	@terraform fmt -check -recursive infra/terraform

fmt: ## format Python and Terraform
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .
	@terraform fmt -recursive infra/terraform

bench: ## benchmark: emulator baseline vs stock, builtin, ours, tuned and the Portkey peer (prints a table, writes a PNG)
	@tools/bootstrap.sh python node
	@$(PY) scripts/bench.py $(ARGS)

soak: ## memory soak: RSS of each worker over tens of thousands of requests (ARGS=--long: 200k, worker recycling)
	@tools/bootstrap.sh python
	@$(PY) scripts/bench.py soak $(ARGS)

chaos: ## fault matrix: load while Bedrock throttles/fails/stalls and a worker dies (prints the table)
	@tools/bootstrap.sh python
	@$(PY) scripts/bench.py chaos $(ARGS)

lock: ## re-pin requirements.lock from the current .venv (after editing requirements.in)
	@.venv/bin/pip install -q -r requirements.in
	@.venv/bin/pip freeze --exclude-editable > requirements.lock  # the project itself (pip install -e .) stays out
	@tools/bootstrap.sh python

clean: ## remove local state (.run), virtualenvs and tool installs
	rm -rf .run .venv .venv-checkov .tools
