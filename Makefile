# cloudtrail-alerts — every task a user or CI runs.
#   make demo   evaluate the sample events in events/ with the built-in rules
#   make test   install the tools, then run every check and test
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
CHECKOV_VENV ?= .venv-checkov
PYTHON ?= python3
# Tools installed by `make setup` (moto, cfn-lint, sam, cargo-lambda, zig) come first.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

EVENT ?= events/root-console-login.json

.PHONY: help setup setup-python setup-rust demo install test check unit lint build deploy invoke invoke-lambda bench mutants fmt

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

setup: setup-python setup-rust ## install every tool the project needs (Python tools in .venv, Rust components)

setup-python: $(VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-tools.txt
	touch $@

# checkov pins versions that clash with aws-sam-cli, so it lives in its own virtualenv.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

setup-rust:
	rustup component add clippy rustfmt
	rustup target add aarch64-unknown-linux-gnu

demo: ## evaluate events/*.json with the built-in rules and show the alerts (no AWS needed)
	cargo run --quiet --no-default-features --bin cloudtrail-alerts -- evaluate --format text events/*.json

install: ## install the cloudtrail-alerts command (release build, no AWS SDK) into ~/.cargo/bin
	cargo install --locked --path . --no-default-features --bin cloudtrail-alerts

test: setup check unit lint build-check invoke-lambda-check ## everything CI runs

check: ## formatting and lints, with and without the Lambda feature
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --no-default-features --all-targets -- -D warnings
	# The tests turn on `s3` (see Cargo.toml); lint the library and the CLI without it too.
	cargo clippy --no-default-features -- -D warnings

unit: ## unit, integration and CLI tests (starts a local SNS and S3 where needed)
	if command -v cargo-nextest >/dev/null; then cargo nextest run --no-fail-fast; else cargo test --no-fail-fast; fi

invoke: ## dry run of the CLI on one event: make invoke EVENT=events/vpc-create.json
	cargo run --quiet --no-default-features --bin cloudtrail-alerts -- render $(EVENT)

bench: ## criterion benchmarks (figures in docs/performance.md)
	cargo bench --no-default-features --bench engine

# Mutation testing of the pattern language, the rule index and routing: slow
# (about an hour on 2 cores), so not part of `make test` or CI. Needs
# `cargo install --locked cargo-mutants`. Results in mutants.out/.
MUTANTS_FILES ?= src/pattern.rs src/pattern/** src/matcher.rs src/routing.rs
mutants: ## mutation testing of the pattern language, matcher and routing (slow; not in CI)
	cargo mutants --no-default-features $(foreach f,$(MUTANTS_FILES),--file '$(f)') \
		-- --lib --test it -- pattern matcher scan builtin_pack rules

fmt: ## format the code
	cargo fmt --all

-include mk/*.mk
