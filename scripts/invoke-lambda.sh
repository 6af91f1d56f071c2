#!/usr/bin/env bash
# Run the Lambda function locally against a local SNS, without Docker or AWS:
# start moto_server, create the alert topics with SQS subscribers, run the
# function under `cargo lambda watch`, invoke it with one event, and print
# what the email, SMS and chat subscribers would receive.
#
#   scripts/invoke-lambda.sh events/root-console-login.json
#
# Needs moto_server and cargo-lambda (`make setup` installs both in .venv).
# EXPECT_MAIN=N / EXPECT_SMS=N make it exit non-zero unless each topic got N
# messages (used by `make invoke-lambda-check`).
# Extra function settings pass through the environment, e.g.
#   ALERT_MIN_SEVERITY=high RULES_FILES=rules/example.yaml scripts/invoke-lambda.sh EVENT
set -euo pipefail

event=${1:-${EVENT:-}}
if [[ -z "$event" ]]; then
    echo "usage: $0 EVENT.json   (e.g. events/root-console-login.json)" >&2
    exit 2
fi
if [[ ! -f "$event" ]]; then
    echo "$event: no such file (the sample events are in events/)" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
event=$(cd "$(dirname "$event")" && pwd)/$(basename "$event")
cd "$root"

find_tool() { # name, override variable value
    if [[ -n "$2" ]]; then echo "$2"
    elif [[ -x ".venv/bin/$1" ]]; then echo ".venv/bin/$1"
    elif command -v "$1" >/dev/null; then command -v "$1"
    else echo "$1 not found: run 'make setup' (pip install 'moto[server]' cargo-lambda)" >&2; exit 1
    fi
}
moto=$(find_tool moto_server "${MOTO_SERVER:-}")
cargo_lambda=$(find_tool cargo-lambda "${CARGO_LAMBDA:-}")
python=$(dirname "$moto")/python
[[ -x "$python" ]] || python=python3

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
moto_port=$(free_port)
invoke_port=$(free_port)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        # Each tool runs in its own process group (setsid): stop it and its children.
        kill -- "-$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n "${KEEP_LOGS:-}" ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

endpoint="http://127.0.0.1:$moto_port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1

setsid "$moto" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do
    if "$python" -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/data.json')" 2>/dev/null; then break; fi
    sleep 0.1
done

# Topics and SQS subscribers, with boto3 (installed with moto).
"$python" - "$endpoint" >"$work/topics" <<'PY'
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
for name in ("alerts", "alerts-sms"):
    arn = sns.create_topic(Name=name)["TopicArn"]
    url = sqs.create_queue(QueueName=name + "-queue")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
    print(arn)
PY
alert_topic=$(sed -n 1p "$work/topics")
sms_topic=$(sed -n 2p "$work/topics")

env_vars="ALERT_TOPIC_ARN=$alert_topic,SMS_TOPIC_ARN=$sms_topic,AWS_ENDPOINT_URL=$endpoint"
env_vars+=",AWS_ACCESS_KEY_ID=testing,AWS_SECRET_ACCESS_KEY=testing,AWS_REGION=us-east-1"
for v in ALERT_MIN_SEVERITY SMS_MIN_SEVERITY EXTRA_DESTINATIONS RULES_FILES ACCOUNT_NAMES DISABLED_RULES BUILTIN_RULES RUST_LOG; do
    if [[ -n "${!v:-}" ]]; then env_vars+=",$v=${!v}"; fi
done

echo "== building and starting the function under cargo lambda watch" >&2
setsid "$cargo_lambda" lambda watch --quiet --ignore-changes --bin cloudtrail-alerts-lambda \
    --invoke-address 127.0.0.1 --invoke-port "$invoke_port" \
    --env-vars "$env_vars" >"$work/function.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 3000); do
    if "$python" -c "import socket; socket.create_connection(('127.0.0.1', $invoke_port), 1)" 2>/dev/null; then break; fi
    sleep 0.2
done

echo "== invoking with $event" >&2
status=0
timeout "${INVOKE_TIMEOUT:-300}" "$cargo_lambda" lambda invoke cloudtrail-alerts-lambda --invoke-address 127.0.0.1 \
    --invoke-port "$invoke_port" --data-file "$event" >"$work/response" 2>&1 &
invoke=$!
# cargo lambda keeps an invoke waiting when the function dies at cold start;
# stop waiting as soon as its log says so.
while kill -0 "$invoke" 2>/dev/null; do
    if grep -q "command exited" "$work/function.log"; then
        kill "$invoke" 2>/dev/null || true
        echo "the function exited: see its log below" >"$work/response"
        break
    fi
    sleep 0.2
done
wait "$invoke" || status=$?
echo "== function response" >&2
cat "$work/response"
echo

echo "== function log"
sed 's/^/  /' "$work/function.log"

echo "== what subscribers receive"
"$python" - "$endpoint" "$alert_topic" "$sms_topic" "${EXPECT_MAIN:-}" "${EXPECT_SMS:-}" <<'PY' || status=1
import json, sys, urllib.request
endpoint, alert_topic, sms_topic, expect_main, expect_sms = sys.argv[1:6]
data = json.load(urllib.request.urlopen(endpoint + "/moto-api/data.json"))
topics = {t["arn"]: t for t in data.get("sns", {}).get("Topic", [])}
def show(title, arn, protocols):
    sent = topics.get(arn, {}).get("sent_notifications", [])
    print(f"-- {title} ({arn}): {len(sent)} message(s)")
    for message_id, message, subject, attributes, _ in sent:
        bodies = json.loads(message)
        print(f"   message id: {message_id}")
        print(f"   subject:    {subject}")
        if attributes:
            print("   attributes: " + ", ".join(f"{k}={v['Value']}" for k, v in sorted(attributes.items())))
        print(f"   default (JSON for sqs/lambda/email-json): {len(bodies['default'])} bytes")
        for protocol in protocols:
            body = bodies.get(protocol, bodies["default"])
            if protocol == "https":
                body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
            print(f"   --- {protocol}:")
            print("\n".join("   " + line for line in body.splitlines()))
show("email and chat subscribers", alert_topic, ["email", "https"])
show("SMS subscribers", sms_topic, ["sms"])
ok = True
for arn, want in ((alert_topic, expect_main), (sms_topic, expect_sms)):
    got = len(topics.get(arn, {}).get("sent_notifications", []))
    if want and got != int(want):
        print(f"expected {want} message(s) on {arn}, got {got}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY
exit "$status"
