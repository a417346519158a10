# trendwatch: the two commands a new user needs are `make run` and `make test`.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages: the OCR engine with its English and French data, a font with accents for
# the OCR tests and the font families of the held-out OCR renders; headless Chromium and its driver for the dashboard's browser tests. Installed with apt-get when missing (as root, or through sudo).
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra libgl1 fonts-dejavu-core fonts-liberation fonts-freefont-ttf fonts-noto-core chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Tools whose pins clash with the project's (checkov wants an old `packaging`) get their own venv.
TOOLS := .venv-tools
CHECKOV := $(TOOLS)/bin/checkov
# pip-tools, which writes the deployables' hashed locks, in a venv of its own as well.
LOCK_TOOLS := .venv-locks
PYTEST_WORKERS ?= 2
# MLflow's UI (the full `mlflow` package, which caps gunicorn below the services' pin) gets its
# own venv, at the version of the library's MLflow client; STATE is the folder `make run` fills.
MLFLOW_UI := .venv-mlflow
STATE ?= $(or $(TRENDWATCH_STATE_DIR),.trendwatch)

.PHONY: run test lint locks mlflow bench eval eval-text eval-images eval-influencers eval-trends eval-adversarial eval-captures eval-supply serve system-deps install clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): shared/pyproject.toml requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e 'shared[all]' -r requirements-dev.txt
	touch $(STAMP)

$(CHECKOV):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet checkov==3.3.30

locks: $(STAMP)  ## rewrite every service's, image's and the build's hashed requirements.lock (reads the index; review the diff)
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==7.6.2; }
	$(BIN)/python -m trendwatch.deploy.locks --pip-compile $(LOCK_TOOLS)/bin/pip-compile

system-deps:  ## Debian packages (tesseract OCR with EN/FR data, libGL for OpenCV, DejaVu fonts, headless Chromium) via apt-get, when missing
	@missing="$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

install: $(STAMP)  ## create .venv and install the library, the services' dependencies and dev tools

run: $(STAMP) system-deps  ## generate the demo stream, replay it through all five services, print what was found
	$(BIN)/trendwatch demo

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	for main in services/*/main.py; do $(BIN)/mypy --no-incremental "$$main" || exit 1; done

# --dist loadscope: a module's tests run on one worker, so its module-scoped fixture (a replayed
# stream, often a minute or more) is built once, not once per worker.
test: system-deps lint $(CHECKOV)  ## lint, then the whole test suite (unit, contract, end-to-end, Terraform checks)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=15

bench: $(STAMP)  ## throughput, latency and memory: pipeline (both local modes), text enrichment, search
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/text.py
	$(BIN)/python benchmarks/search.py

mlflow:  ## MLflow's UI on the local store (runs, registered models) on http://127.0.0.1:5000 (after make run)
	test -x $(MLFLOW_UI)/bin/mlflow || { $(PYTHON) -m venv $(MLFLOW_UI) && $(MLFLOW_UI)/bin/python -m pip install --quiet mlflow==3.17.2; }
	$(MLFLOW_UI)/bin/mlflow ui --backend-store-uri sqlite:///$(abspath $(STATE))/mlflow.db --host 127.0.0.1 --port 5000

serve: $(STAMP)  ## the analysts' dashboard and HTTP API on http://127.0.0.1:8000 (after make run)
	$(BIN)/trendwatch serve

eval: eval-text eval-images eval-influencers eval-trends eval-adversarial eval-captures eval-supply  ## every evaluation; each rewrites its section of docs/evaluation.md

eval-text: $(STAMP)  ## language id and sentiment (EN, FR) on the labelled tweets; also appends to model_metrics
	$(BIN)/trendwatch eval text --write-docs docs/evaluation.md

eval-images: $(STAMP) system-deps  ## OCR recall, near-duplicate precision/recall, images/s
	$(BIN)/trendwatch eval images --write-docs docs/evaluation.md

eval-influencers: $(STAMP)  ## NDCG@10 against planted influencers, bots and a stealth ring out of the top 20, 1M-edge recompute
	$(BIN)/trendwatch eval influencers --write-docs docs/evaluation.md

# Gnip-Trend-Detection, the evaluation peer, names the defunct "sklearn" package in its
# metadata: it is installed without its dependencies, which are listed here instead.
eval-adversarial: $(STAMP)  ## emerging topics through the whole pipeline on held-out adversarial streams (about 5 min a seed)
	$(BIN)/python benchmarks/eval_adversarial.py --write-docs docs/evaluation.md

eval-captures: $(STAMP)  ## real X API v2 captures replayed: tweets stored, dead letters, topics
	$(BIN)/python benchmarks/eval_captures.py --write-docs docs/evaluation.md

eval-supply: $(STAMP)  ## demand forecasts (social vs baseline WAPE, p10-p90 coverage) and restock catch rate on held-out generated histories
	$(BIN)/python benchmarks/eval_supply.py --write-docs docs/evaluation.md

eval-trends: $(STAMP)  ## emerging-topic detection vs Gnip-Trend-Detection on generated streams -> docs/evaluation.md
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps gnip-trend-detection
	$(BIN)/python -m pip install --quiet -c constraints.txt scipy matplotlib datetime-truncate python-dateutil
	$(BIN)/python benchmarks/eval_trends.py

clean:  ## remove local state (not the virtualenv)
	rm -rf .trendwatch test-artifacts
