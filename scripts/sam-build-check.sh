#!/usr/bin/env bash
# Builds the function the way `sam deploy` ships it and checks the artifacts:
# the release profile keeps panic=unwind, an aarch64 Linux `bootstrap`, and the
# rule file in the rules layer.
# Offline: needs only the Rust toolchain and the tools from requirements-tools.txt.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [[ ! -x "$VENV/bin/sam" || ! -x "$VENV/bin/cargo-lambda" ]]; then
  echo "sam-build-check: $VENV has no sam/cargo-lambda; run 'make setup' (or set VENV=...)" >&2
  exit 2
fi
VENV="$(cd "$VENV" && pwd)"
# cargo-lambda cross-compiles with zig; the ziglang wheel provides it as
# `python -m ziglang`, which cargo-lambda finds through the venv's python.
export PATH="$VENV/bin:$PATH"
export SAM_CLI_TELEMETRY=0

fail=0

# cargo-lambda builds --release with its own defaults (strip, lto="thin",
# codegen-units=1, panic="abort") for each of these the release profile leaves
# unset. panic="abort" would bypass lambda_runtime's panic catching, so the
# profile must say "unwind"; an environment override would win over it.
panic="$("$VENV/bin/python" - <<'PY'
import tomllib
with open("Cargo.toml", "rb") as f:
    print(tomllib.load(f).get("profile", {}).get("release", {}).get("panic", ""))
PY
)"
if [[ "$panic" != "unwind" ]]; then
  echo "FAIL: Cargo.toml [profile.release] must set panic = \"unwind\" (found \"$panic\"); cargo-lambda would build with panic=abort" >&2
  fail=1
elif [[ -n "${CARGO_PROFILE_RELEASE_PANIC:-}" && "${CARGO_PROFILE_RELEASE_PANIC}" != "unwind" ]]; then
  echo "FAIL: CARGO_PROFILE_RELEASE_PANIC=$CARGO_PROFILE_RELEASE_PANIC overrides Cargo.toml's panic = \"unwind\"" >&2
  fail=1
else
  echo "ok: release profile keeps panic=unwind (cargo-lambda adds panic=abort only when it is unset)"
fi

sam build --template-file template.yaml

build=.aws-sam/build

bootstrap="$build/Function/bootstrap"
if [[ ! -f "$bootstrap" ]]; then
  echo "FAIL: $bootstrap not found" >&2
  fail=1
else
  # ELF header: magic 7f 45 4c 46, EI_CLASS 2 (64-bit) at byte 4, e_machine at
  # bytes 18-19 (little endian) = 0xb7 (183, EM_AARCH64).
  read -r -a hdr <<<"$(od -An -tx1 -N20 -v "$bootstrap" | tr -s " \n" "  ")"
  if [[ "${#hdr[@]}" -lt 20 || "${hdr[0]}${hdr[1]}${hdr[2]}${hdr[3]}" != "7f454c46" ]]; then
    echo "FAIL: $bootstrap is not an ELF file" >&2
    fail=1
  elif [[ "${hdr[4]}" != "02" || "${hdr[18]}${hdr[19]}" != "b700" ]]; then
    echo "FAIL: $bootstrap is not a 64-bit aarch64 ELF (class ${hdr[4]}, machine ${hdr[19]}${hdr[18]})" >&2
    fail=1
  else
    echo "ok: $bootstrap is an aarch64 ELF ($(du -h "$bootstrap" | cut -f1))"
  fi
fi

# The layer has no build step; `sam build` leaves its ContentUri pointing at
# the source folder that `sam deploy` zips. Resolve it from the built template.
layer_dir="$("$VENV/bin/python" - <<'PY'
import os, sys
from samcli.yamlhelper import yaml_parse
tpl_path = ".aws-sam/build/template.yaml"
with open(tpl_path) as f:
    tpl = yaml_parse(f.read())
uri = tpl["Resources"]["RulesLayer"]["Properties"]["ContentUri"]
print(os.path.normpath(os.path.join(os.path.dirname(tpl_path), uri)))
PY
)"
if [[ -f "$layer_dir/rules.yaml" ]]; then
  echo "ok: rules layer ($layer_dir) has rules.yaml, mounted as /opt/rules.yaml"
else
  echo "FAIL: rules layer content ($layer_dir) has no rules.yaml" >&2
  fail=1
fi

exit "$fail"
