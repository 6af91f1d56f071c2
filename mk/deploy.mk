# Deployment targets (included by the main Makefile).

lint: ## lint every template: sam validate --lint, cfn-lint, checkov (0 failed)
	VENV=$(VENV) CHECKOV_VENV=$(CHECKOV_VENV) scripts/lint.sh

# Without `make setup`, say what to do rather than "sam: command not found".
NEED_SAM = @command -v sam >/dev/null || { echo "sam not found: run 'make setup' first (it installs the AWS SAM CLI into $(VENV))" >&2; exit 1; }

build: ## sam build: the function cross-compiled for arm64, the rules layer
	$(NEED_SAM)
	@echo "sam build: compiling the function for arm64 in release mode (the first build takes several minutes, with no output until it is done)"
	SAM_CLI_TELEMETRY=0 sam build

build-check: ## sam build, then check bootstrap is an aarch64 ELF and the layer has the rules
	VENV=$(VENV) scripts/sam-build-check.sh

deploy: build ## sam deploy --guided (asks for the email, phone, severities; saves samconfig.toml)
	$(NEED_SAM)
	sam deploy --guided

.PHONY: build-check
