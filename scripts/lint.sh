#!/usr/bin/env bash
# Lints every CloudFormation/SAM template offline: sam validate --lint,
# cfn-lint and checkov (zero failed checks; skips only with a written reason in
# the template's Metadata), then checks of the EventBridge patterns: size, what
# the tamper rules match (and that each call is reported through a rule and a
# topic it does not break), that the pre-filter lets through every sample event
# a built-in rule alerts on, and that forged events (non-AWS source) are dropped
# and fire no rule, also through the CLI (cargo; SKIP_CLI=1 leaves that out).
# Tools come from the virtualenvs `make setup` creates.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
CHECKOV_VENV="${CHECKOV_VENV:-.venv-checkov}"
TEMPLATES=(template.yaml forwarder.yaml)

for tool in "$VENV/bin/sam" "$VENV/bin/cfn-lint" "$CHECKOV_VENV/bin/checkov"; do
  if [[ ! -x "$tool" ]]; then
    echo "lint: $tool not found; run 'make setup' (or set VENV / CHECKOV_VENV)" >&2
    exit 2
  fi
done
export SAM_CLI_TELEMETRY=0

status=0
for t in "${TEMPLATES[@]}"; do
  echo "== sam validate --lint $t"
  # sam validate needs a region even though it does not call AWS.
  "$VENV/bin/sam" validate --lint --region us-east-1 --template-file "$t" || status=1
done

echo "== cfn-lint ${TEMPLATES[*]}"
"$VENV/bin/cfn-lint" "${TEMPLATES[@]}" || status=1

echo "== checkov ${TEMPLATES[*]}"
checkov_args=()
for t in "${TEMPLATES[@]}"; do checkov_args+=(--file "$t"); done
"$CHECKOV_VENV/bin/checkov" "${checkov_args[@]}" --framework cloudformation \
  --skip-download --compact --quiet || status=1

echo "== event patterns: size limit, tamper rules"
"$VENV/bin/python" scripts/check-tamper.py || status=1

echo "== pre-filter vs built-in rules on events/, forged events"
"$VENV/bin/python" scripts/check-prefilter.py || status=1

if [[ "$status" -ne 0 ]]; then
  echo "lint: FAILED" >&2
else
  echo "lint: ok"
fi
exit "$status"
