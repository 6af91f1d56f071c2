#!/usr/bin/env bash
# Peak memory (RSS) of `cloudtrail-alerts evaluate` on inputs shaped to cost
# memory, generated in a temporary directory: the figures of the "Memory"
# section of docs/performance.md. The tests in tests/it/memory.rs assert
# bounds on the same cases.
#
#   scripts/memory-figures.sh [BINARY]    (default: the debug build, built if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/cloudtrail-alerts}
if [ ! -x "$bin" ]; then
  cargo build -q --no-default-features --bin cloudtrail-alerts
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import json, sys
out = sys.argv[1]
sample = json.load(open("events/security-group-ingress-open.json"))

def write(name, text):
    with open(f"{out}/{name}", "w") as f:
        f.write(text)

write("sample.json", json.dumps(sample))

# 120 nested arrays on a path the rules read (detail.eventName), the
# innermost holding the real name and then "x" leaves: about 700 KiB.
event = json.loads(json.dumps(sample))
name = event["detail"]["eventName"]
event["detail"]["eventName"] = "@NEST@"
text = json.dumps(event, separators=(",", ":"))
fill = (700 * 1024 - len(text) - 240) // 4
nest = "[" * 120 + json.dumps(name) + ',"x"' * fill + "]" * 120
write("deep.json", text.replace('"@NEST@"', nest, 1))

# A 50 MiB errorMessage: read by the rules, shown in the alert, kept in the record.
event = json.loads(json.dumps(sample))
event["detail"]["errorMessage"] = "A" * (50 << 20)
write("string.json", json.dumps(event))

# An ordinary AuthorizeSecurityGroupIngress grown to 512 KiB of permissions.
event = json.loads(json.dumps(sample))
items = event["detail"]["requestParameters"]["ipPermissions"]["items"]
grown = []
while len(json.dumps(grown)) < 512 * 1024:
    for item in items:
        item = dict(item, fromPort=len(grown) % 65536)
        grown.append(item)
event["detail"]["requestParameters"]["ipPermissions"]["items"] = grown
write("realistic.json", json.dumps(event))
PY

peak_kib() {
  /usr/bin/time -o "$dir/time" -f %M "$bin" evaluate --max-event-size 64M "$@" >/dev/null 2>"$dir/stderr" || {
    cat "$dir/stderr" >&2
    return 1
  }
  tail -n 1 "$dir/time"
}

base=$(peak_kib "$dir/sample.json")
printf '%-14s %12s %14s %20s\n' input "size (KiB)" "peak RSS (KiB)" "above sample / size"
printf '%-14s %12s %14s %20s\n' sample "$(( $(stat -c %s "$dir/sample.json") / 1024 ))" "$base" -
for name in deep realistic string; do
  size=$(( $(stat -c %s "$dir/$name.json") / 1024 ))
  peak=$(peak_kib "$dir/$name.json")
  printf '%-14s %12s %14s %20s\n' "$name" "$size" "$peak" \
    "$(awk -v p="$peak" -v b="$base" -v s="$size" 'BEGIN { printf "%.1fx", (p - b) / s }')"
done
