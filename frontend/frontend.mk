# Frontend targets, included by the top-level Makefile (`include frontend/frontend.mk`).
# Paths are relative to this file so the fragment works from any including directory.

FRONTEND_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
FRONTEND_NPM ?= npm
FRONTEND_SOURCES := $(shell find $(FRONTEND_DIR)/src $(FRONTEND_DIR)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND_DIR)/index.html $(FRONTEND_DIR)/vite.config.ts $(FRONTEND_DIR)/package.json \
	$(FRONTEND_DIR)/tsconfig*.json)
FRONTEND_DEPS_STAMP := $(FRONTEND_DIR)/node_modules/.fupin-installed
FRONTEND_BUILD_STAMP := $(FRONTEND_DIR)/dist/.fupin-built
FRONTEND_OPENAPI := $(FRONTEND_DIR)/../openapi/openapi.json
FRONTEND_SCHEMA := $(FRONTEND_DIR)/src/api/schema.d.ts

.PHONY: frontend-deps frontend-build frontend-client frontend-client-check frontend-lint frontend-unit frontend-e2e \
	frontend-dev frontend-test frontend-clean

# npm ci only when node_modules is missing or package-lock.json changed
$(FRONTEND_DEPS_STAMP): $(FRONTEND_DIR)/package-lock.json $(FRONTEND_DIR)/package.json
	cd $(FRONTEND_DIR) && $(FRONTEND_NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend-deps: $(FRONTEND_DEPS_STAMP)

# vite build only when a source is newer than the last build
$(FRONTEND_BUILD_STAMP): $(FRONTEND_DEPS_STAMP) $(FRONTEND_SOURCES)
	cd $(FRONTEND_DIR) && ./node_modules/.bin/vite build --logLevel warn
	@touch $@

frontend-build: $(FRONTEND_BUILD_STAMP)

# typed client from the committed contract (generated, never edited by hand)
frontend-client: $(FRONTEND_DEPS_STAMP)
	cd $(FRONTEND_DIR) && ./node_modules/.bin/openapi-typescript ../openapi/openapi.json -o src/api/schema.d.ts

frontend-client-check: $(FRONTEND_DEPS_STAMP)
	@tmp=$$(mktemp --suffix=.d.ts) && \
	cd $(FRONTEND_DIR) && ./node_modules/.bin/openapi-typescript ../openapi/openapi.json -o $$tmp >/dev/null && \
	if cmp -s $$tmp src/api/schema.d.ts; then echo "frontend client up to date"; rm -f $$tmp; \
	else diff -u src/api/schema.d.ts $$tmp | head -40; rm -f $$tmp; \
	echo "frontend/src/api/schema.d.ts is stale: run 'make frontend-client'"; exit 1; fi

frontend-lint: $(FRONTEND_DEPS_STAMP)
	cd $(FRONTEND_DIR) && ./node_modules/.bin/vue-tsc --noEmit -p tsconfig.app.json && ./node_modules/.bin/vue-tsc --noEmit -p tsconfig.vitest.json
	cd $(FRONTEND_DIR) && ./node_modules/.bin/eslint --max-warnings=0 .

frontend-unit: $(FRONTEND_DEPS_STAMP)
	cd $(FRONTEND_DIR) && ./node_modules/.bin/vitest run

# browser tests against a real backend (started by the test on a free port, SQLite, demo seed)
frontend-e2e: $(FRONTEND_BUILD_STAMP)
	cd $(FRONTEND_DIR) && node e2e/run.mjs

frontend-test: frontend-unit frontend-e2e

# Vite dev server on :5173 proxying /api to FUPIN_BACKEND_URL (default http://127.0.0.1:8000)
frontend-dev: $(FRONTEND_DEPS_STAMP)
	cd $(FRONTEND_DIR) && ./node_modules/.bin/vite --host 127.0.0.1

frontend-clean:
	rm -rf $(FRONTEND_DIR)/dist $(FRONTEND_DIR)/e2e/artifacts
