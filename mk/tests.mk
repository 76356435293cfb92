##@ Development: lint, tests, benchmark

# The project's own checks (mk/tests.mk), in .venv with the pinned requirements-dev.txt.
VENV := .venv
PY   := $(VENV)/bin/python

$(VENV)/.installed: requirements-dev.txt back/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: venv lint test test-offline test-back test-e2e test-alone bench mutate
venv: $(VENV)/.installed ## Create .venv with the pinned requirements

lint: venv ## ruff, shellcheck and hadolint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	shellcheck scripts/* lessons/*/walk.sh standins/pull-or-build standins/*/*.sh bench/run \
		front/*.sh .ci/* tests/e2e/run-alone tools/cluster/cluster
	$(VENV)/bin/hadolint back/Dockerfile front/Dockerfile standins/*/Dockerfile

test: lint ## Lint, then every test (Docker and Podman too)
	$(PY) -m pytest $(PYTEST_ARGS)

test-offline: venv ## Every test that needs no engine
	$(PY) -m pytest --ignore=tests/e2e --ignore=tests/images --ignore=tests/cluster $(PYTEST_ARGS)

test-back: venv ## The backend's tests (a real MariaDB, no engine)
	$(PY) -m pytest tests/back $(PYTEST_ARGS)

test-e2e: venv ## The end-to-end tests, on Docker and Podman
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

test-alone: venv ## Each e2e file alone, from engines without our images
	tests/e2e/run-alone

bench: venv ## Benchmark the backend (gunicorn, real database)
	bench/run

mutate: venv ## Mutation tests of back/api (mutmut; tests/README.md)
	$(PY) -m pip install --quiet --no-deps -r tests/back/requirements-mutmut.txt
	$(PY) tests/back/mutate.py run --max-children 4
	$(PY) tests/back/mutate.py results
	$(PY) tests/back/mutate.py check

# make clean keeps .venv (the tools take a minute to install); make clean-dev removes it.
clean-dev: ## Remove .venv and the tests' caches and artifacts
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
