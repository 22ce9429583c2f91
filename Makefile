# The public interface of the project: `make help` lists it.
# Two Python 3.10 environments (see README): .venv for our code, .venv-rasa for the engine.

SHELL := /bin/bash
PYTHON ?= python3.10
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning

APP := .venv/.installed
ENGINE := .venv-rasa/.installed
MODEL := models/.trained
UV := .venv/bin/uv
RASA := PYTHONWARNINGS=ignore .venv-rasa/bin/rasa
GUIDANCE := .venv/bin/guidance
# Directories too: removing a file changes only its directory's time. Our NLU components are
# part of the model as well.
TRAINING_DATA := domain.yml config.yml engine/components.py \
	$(shell find nlu -name '*.yml' -o -type d 2>/dev/null)
SEED := catalogue/seed.yml

.DEFAULT_GOAL := help
.PHONY: help run run-replicated test train bench chaos eval eval-dialogues tune compare lint db validate conversations clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: $(APP) $(ENGINE) db $(MODEL) ## set up what is missing, then start engine + action server + gateway
	$(GUIDANCE) run

# The replicated stack needs PostgreSQL: DATABASE_URL from the environment or .env, else a
# `guidance` database on this machine's server (created when missing).
LOCAL_POSTGRES := postgresql+psycopg://postgres@127.0.0.1:5432/guidance
run-replicated: $(APP) $(ENGINE) $(MODEL) ## 2 engines, 2 action servers, 2 gateways behind HAProxy, on PostgreSQL and Redis
	@url="$${DATABASE_URL:-$$(sed -n 's/^DATABASE_URL=//p' .env 2>/dev/null | tail -1)}"; \
	export DATABASE_URL="$${url:-$(LOCAL_POSTGRES)}"; \
	$(GUIDANCE) db upgrade --create && \
	$(GUIDANCE) catalogue import $(SEED) && \
	exec $(GUIDANCE) run --engines 2 --action-servers 2 --gateways 2

test: $(APP) $(ENGINE) $(MODEL) ## set up what is missing, then run every test (lint, unit, databases, engine, end to end)
	$(MAKE) --no-print-directory lint
	$(RASA) data validate --data nlu --domain domain.yml --config config.yml --fail-on-warnings --quiet
	.venv/bin/pytest
	$(MAKE) --no-print-directory conversations

conversations: $(ENGINE) $(MODEL) ## conversation tests in FR/NL/EN (rasa test stories)
	$(RASA) test core --stories tests/conversations --model models --out var/results \
		--fail-on-prediction-errors --quiet

train: $(MODEL) ## train the engine's model if the training data changed

bench: $(APP) $(ENGINE) $(MODEL) ## measure throughput, latency, cold start and memory; writes bench/results/
	.venv/bin/python -m bench.run

chaos: $(APP) $(ENGINE) $(MODEL) ## the replicated stack under load while parts are killed and PostgreSQL and Redis restart; writes bench/results/chaos.*
	.venv/bin/python -m bench.chaos

eval: $(ENGINE) $(MODEL) ## measure understanding on held-out and out-of-scope data; writes bench/results/nlu.*
	PYTHONWARNINGS=ignore .venv-rasa/bin/python bench/nlu_eval.py evaluate --model models \
		--out bench/results/nlu.json --markdown bench/results/nlu.md

eval-dialogues: $(APP) $(ENGINE) $(MODEL) ## typed conversations through the real stack (held-out set); writes bench/results/dialogues.*
	.venv/bin/python -m bench.eval_dialogues --set held-out

tune: $(APP) $(ENGINE) $(MODEL) ## choose the fallback thresholds on the validation sets (bench/dev, CLINC150, xSID); writes bench/results/fallback.md
	.venv/bin/python -m bench.tune_fallback

compare: $(APP) $(ENGINE) ## compare NLU pipelines (config.yml and bench/pipelines/); writes bench/results/pipelines.*
	.venv/bin/python -m bench.compare_pipelines

lint: $(APP) ## ruff and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

db: $(APP) ## migrate the database and import the seed catalogue
	$(GUIDANCE) db upgrade
	$(GUIDANCE) catalogue import $(SEED)

validate: $(ENGINE) ## check the training data and the domain
	$(RASA) data validate --data nlu --domain domain.yml --config config.yml --fail-on-warnings

clean: ## remove environments, model, database and caches
	rm -rf .venv .venv-rasa models .rasa var results .pytest_cache .mypy_cache .ruff_cache

$(APP): pyproject.toml requirements/app.txt
	test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python .venv/bin/python -r requirements/app.txt
	$(UV) pip install --quiet --python .venv/bin/python --no-deps -e .
	touch $@

$(ENGINE): requirements/rasa.txt | $(APP)
	test -x .venv-rasa/bin/python || $(PYTHON) -m venv .venv-rasa
	$(UV) pip install --quiet --python .venv-rasa/bin/python --compile-bytecode -r requirements/rasa.txt
	touch $@

# Rasa also keeps its own fingerprints: when nothing changed it reuses the last model.
$(MODEL): $(TRAINING_DATA) | $(ENGINE)
	$(RASA) train --data nlu --domain domain.yml --config config.yml --out models --quiet
	touch $@
