# Deployment targets (included by the main Makefile).

lint: ## lint every template: sam validate --lint, cfn-lint, checkov (0 failed)
	VENV=$(VENV) CHECKOV_VENV=$(CHECKOV_VENV) scripts/lint.sh

build: ## sam build: the function cross-compiled for arm64, the rules layer
	SAM_CLI_TELEMETRY=0 sam build

build-check: ## sam build, then check bootstrap is an aarch64 ELF and the layer has the rules
	VENV=$(VENV) scripts/sam-build-check.sh

deploy: build ## sam deploy --guided (asks for the email, phone, severities; saves samconfig.toml)
	sam deploy --guided

.PHONY: build-check
