# Two commands: `make run` serves the app with demo data; `make test` runs every test.
# Both install what is missing first and can be re-run at will.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := wsgi
# Unset DATABASE_URL means the project-local cluster (its port is in .pgport).
export DEMO_PASSWORD ?= zhunong-demo-2026

.PHONY: setup system-deps python-deps frontend db migrate demo run test bench stop stop-db

setup: system-deps python-deps frontend db

system-deps:
	@scripts/system-deps.sh

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

# Front-end packages come from npm (pinned in package-lock.json); `npm run build`
# copies them into static/vendor and builds the service worker's precache manifest.
frontend: node_modules/.installed
	npm run --silent build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

db:
	@scripts/localdb.sh

migrate: setup
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load --scale tongliao --if-empty

run: demo
	@echo ""
	@echo "助农服务点 serving on http://127.0.0.1:$(PORT)"
	@echo "Demo accounts (password: $(DEMO_PASSWORD)):"
	@echo "  demo-keeper  服务点负责人 keeper      demo-grid       网格员 grid worker"
	@echo "  demo-field   流动服务队员 field agent demo-supervisor 银行管理员 supervisor"
	@echo "  demo-regulator 人民银行 regulator     demo-admin      系统管理员 admin"
	@echo ""
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py --pid .gunicorn.pid wsgi:app

test: setup
	npm test --silent
	$(BIN)/pytest

bench: migrate
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/sync_ingest.py

# Stops what `make run` started: the app server (if still running) and the database.
stop: stop-db
	@if [ -f .gunicorn.pid ]; then kill "$$(cat .gunicorn.pid)" 2>/dev/null || true; rm -f .gunicorn.pid; fi

stop-db:
	su postgres -s /bin/bash -c "/usr/lib/postgresql/15/bin/pg_ctl -D $(CURDIR)/.pgdata stop" || true
