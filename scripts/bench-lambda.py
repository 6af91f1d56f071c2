#!/usr/bin/env python3
"""Latency per invocation and cold start of the function binary, state on and off.

Runs the real `cloudtrail-alerts-lambda` binary under a fake Lambda Runtime
API (this script) with its SNS topics and DynamoDB table in a local moto
server, as tests/it/state_lambda_binary.rs does, and prints per workload and
state setting:
- init: process start to its first poll of /invocation/next (the Lambda
  "Init Duration": configuration, rules compiled, SDK clients built), median
  of --cold-starts runs;
- p50 / p90 / max of one invocation: event handed out to response received.
Workloads: `storm`, security-group changes by one principal (a rule with
`dedup`: without state every one is published, with state the first is, the
rest are one GetItem and one conditional PutItem each); `quiet`, a read no
rule matches (no AWS call at all). The local moto server answers each AWS
call in a few milliseconds of Python, so the absolute figures are the
function's own time plus moto's, not AWS's.

    cargo build --release --bin cloudtrail-alerts-lambda
    .venv/bin/python scripts/bench-lambda.py [--binary target/release/cloudtrail-alerts-lambda] [-n 200]
"""
import argparse
import copy
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = "/2018-06-01/runtime"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Runtime(ThreadingHTTPServer):
    """Hands out events one at a time and times each until its response."""

    daemon_threads = True

    def __init__(self, events):
        super().__init__(("127.0.0.1", 0), Handler)
        self.events = list(events)
        self.lock = threading.Condition()
        self.sent_at, self.latencies, self.errors = {}, [], []
        self.first_poll = None

    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        pass  # the function is killed mid-poll at the end of each run


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"{}", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        rt = self.server
        if self.path != f"{BASE}/invocation/next":
            return self.reply(404)
        with rt.lock:
            if rt.first_poll is None:
                rt.first_poll = time.monotonic()
            if not rt.events:
                rt.lock.notify_all()
                # Nothing left: hold the long poll until the function is stopped.
                rt.lock.wait(timeout=600)
                return
            n = len(rt.sent_at)
            event = rt.events.pop(0)
            rt.sent_at[f"req-{n}"] = time.monotonic()
        deadline = int(time.time() * 1000) + 30_000
        self.reply(200, json.dumps(event).encode(), [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", f"req-{n}"),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn",
             "arn:aws:lambda:us-east-1:123456789012:function:cloudtrail-alerts"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ])

    def do_POST(self):
        rt = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        now = time.monotonic()
        if self.path.startswith(f"{BASE}/invocation/"):
            request_id, kind = self.path[len(f"{BASE}/invocation/"):].split("/", 1)
            with rt.lock:
                rt.latencies.append(now - rt.sent_at[request_id])
                if kind != "response":
                    rt.errors.append(body.decode(errors="replace"))
                rt.lock.notify_all()
        elif self.path == f"{BASE}/init/error":
            with rt.lock:
                rt.errors.append(body.decode(errors="replace"))
                rt.lock.notify_all()
        self.reply(202, b'{"status":"OK"}')


def sample(name):
    with open(os.path.join(ROOT, "events", f"{name}.json")) as f:
        return json.load(f)


def storm(n):
    """Security-group rule removals by one principal, 0.36 s apart."""
    base, start = sample("security-group-ingress-open"), datetime(2025, 3, 11, 10, 15, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        e = copy.deepcopy(base)
        t = (start + timedelta(milliseconds=360 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        e["detail"].update(eventName="RevokeSecurityGroupIngress", eventTime=t,
                           eventID=f"00000000-0000-0000-0000-{i:012d}")
        e.update(id=f"10000000-0000-0000-0000-{i:012d}", time=t)
        out.append(e)
    return out


def quiet(n):
    base = sample("describe-transit-gateways")
    return [dict(copy.deepcopy(base), id=f"20000000-0000-0000-0000-{i:012d}") for i in range(n)]


def run(binary, endpoint, env, events):
    """One process over `events`: (init seconds, latencies, errors)."""
    rt = Runtime(events)
    threading.Thread(target=rt.serve_forever, daemon=True).start()
    started = time.monotonic()
    proc = subprocess.Popen([binary], env=dict(env, AWS_LAMBDA_RUNTIME_API=rt.address()),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        with rt.lock:
            rt.lock.wait_for(lambda: len(rt.latencies) == len(events) or rt.errors
                             or proc.poll() is not None, timeout=600)
            init = (rt.first_poll or time.monotonic()) - started
            return init, list(rt.latencies), list(rt.errors)
    finally:
        proc.kill()
        proc.wait()
        with rt.lock:
            rt.lock.notify_all()
        rt.shutdown()


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/cloudtrail-alerts-lambda"))
    ap.add_argument("-n", type=int, default=200, help="invocations per workload and state setting")
    ap.add_argument("--cold-starts", type=int, default=10)
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary}: not found; cargo build --release --bin cloudtrail-alerts-lambda")

    port = free_port()
    moto_bin = os.path.join(os.path.dirname(sys.executable), "moto_server")
    moto = subprocess.Popen([moto_bin, "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        aws = dict(region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
        sns, ddb = boto3.client("sns", **aws), boto3.client("dynamodb", **aws)
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        sms = sns.create_topic(Name="alerts-sms")["TopicArn"]
        env = {
            "PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": endpoint, "AWS_LAMBDA_FUNCTION_NAME": "cloudtrail-alerts",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "ALERT_TOPIC_ARN": topic, "SMS_TOPIC_ARN": sms,
        }
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; binary {os.path.relpath(args.binary, ROOT)}")
        print(f"{'workload':8} {'state':5} {'init p50':>9} {'p50':>8} {'p90':>8} {'max':>8}  invocations")
        for name, make in (("storm", storm), ("quiet", quiet)):
            for state in (False, True):
                e = dict(env)
                if state:
                    table = f"windows-{name}-{int(time.time() * 1000)}"
                    ddb.create_table(
                        TableName=table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                                              (("pk", "S"), ("due_shard", "S"), ("due_at", "N"))],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[{
                            "IndexName": "due",
                            "KeySchema": [{"AttributeName": "due_shard", "KeyType": "HASH"},
                                          {"AttributeName": "due_at", "KeyType": "RANGE"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
                    e["STATE_TABLE"] = table
                init, latencies, errors = run(args.binary, endpoint, e, make(args.n))
                if errors or len(latencies) != args.n:
                    sys.exit(f"{name} state={state}: {len(latencies)} of {args.n} answered; {errors[:3]}")
                inits = [init] + [run(args.binary, endpoint, e, make(1))[0]
                                  for _ in range(args.cold_starts - 1)]
                ms = lambda s: f"{s * 1000:.1f} ms"
                print(f"{name:8} {'on' if state else 'off':5} {ms(statistics.median(inits)):>9} "
                      f"{ms(pct(latencies, 50)):>8} {ms(pct(latencies, 90)):>8} "
                      f"{ms(max(latencies)):>8}  {len(latencies)}")
    finally:
        moto.kill()
        moto.wait()


if __name__ == "__main__":
    main()
