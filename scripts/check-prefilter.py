#!/usr/bin/env python3
"""The EventBridge pre-filter must never hide an event a built-in rule alerts on,
and must drop forged events.

template.yaml's EventsRule and forwarder.yaml's ForwardRule (less its
`account`) must equal what `cloudtrail-alerts prefilter` prints for the
built-in pack, and fit EventBridge's default pattern size (2048 characters).
Every positive fixture of every built-in rule (tests/fixtures/*/match/*.json)
must pass both pre-filters. For every sample event in events/ that a built-in rule matches (pattern matches
and no exclude does), the pre-filter patterns of template.yaml's EventsRule and
forwarder.yaml's ForwardRule must match it too. Every forged event (a
tests/fixtures/*/no-match/forged-*.json: a CloudTrail-shaped event posted with
PutEvents under a source that is not AWS's) must be dropped by both pre-filters
and fire no built-in rule, both by moto's matcher and by the cloudtrail-alerts
CLI (which prints nothing when nothing fires). Patterns are evaluated with
moto's EventBridge pattern matcher, an implementation independent of ours.
Run with the .venv python (moto, PyYAML and the SAM CLI's YAML loader); the CLI
check needs cargo (set SKIP_CLI=1 to leave it out).
"""
import glob
import itertools
import json
import os
import subprocess
import sys

import yaml
from moto.events.models import EventPattern
from samcli.yamlhelper import yaml_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# EventBridge quotas, "Event pattern size": 2048 characters unless raised.
SIZE_LIMIT = 2048


def load_pattern(value):
    return EventPattern.load(value if isinstance(value, str) else json.dumps(value))


def raw_prefilter(template, resource):
    with open(os.path.join(ROOT, template)) as f:
        tpl = yaml_parse(f.read())
    pattern = dict(tpl["Resources"][resource]["Properties"]["EventPattern"])
    # The forwarder's `account` is !Ref AWS::AccountId; match the event's own.
    pattern.pop("account", None)
    return pattern


def prefilter(template, resource):
    return load_pattern(raw_prefilter(template, resource))


def load_builtin_rules():
    files = [os.path.join(ROOT, "rules", "builtin.yaml")]
    files += sorted(glob.glob(os.path.join(ROOT, "rules", "builtin", "*.yaml")))
    rules = []
    for path in files:
        if os.path.exists(path):
            with open(path) as f:
                rules += yaml.safe_load(f)["rules"]
    return rules


def check_generated():
    """The deployed patterns are the generated one, and fit the size limit."""
    failures = 0
    generated = None
    if not os.environ.get("SKIP_CLI"):
        cmd = ["cargo", "run", "-q", "--no-default-features", "--bin", "cloudtrail-alerts", "--",
               "prefilter"]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL: cloudtrail-alerts prefilter: exit {run.returncode}\n{run.stderr}")
            return 1
        generated = json.loads(run.stdout)
    for template, resource in (("template.yaml", "EventsRule"), ("forwarder.yaml", "ForwardRule")):
        deployed = raw_prefilter(template, resource)
        size = len(json.dumps(deployed, separators=(",", ":")))
        if template == "forwarder.yaml":
            size += len(',"account":["111122223333"]')
        if size > SIZE_LIMIT:
            failures += 1
            print(f"FAIL: {template} {resource} pattern is {size} characters (limit {SIZE_LIMIT})")
        if generated is not None and deployed != generated:
            failures += 1
            print(f"FAIL: {template} {resource} differs from `cloudtrail-alerts prefilter`; "
                  f"put its output there:\n{json.dumps(generated, indent=2)}")
    print(f"check-prefilter: deployed patterns vs generated ({'skipped' if generated is None else 'checked'}) "
          f"and size, {failures} failures")
    return failures


def check_fixtures(filters):
    """Every positive fixture of every built-in rule passes every pre-filter."""
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*", "match", "*.json")))
    events = {}
    for path in paths:
        with open(path) as f:
            event = json.load(f)
        # A bare CloudTrail record comes from a log file in S3, not through EventBridge.
        if isinstance(event, dict) and "detail" in event:
            events[path] = event
    failures = 0
    for (path, event), (name, flt) in itertools.product(events.items(), filters.items()):
        if not flt.matches_event(event):
            failures += 1
            print(f"FAIL: {name} drops the positive fixture {os.path.relpath(path, ROOT)}")
    print(f"check-prefilter: {len(events)} positive fixtures (EventBridge events; "
          f"{len(paths) - len(events)} bare records left out) checked against {len(filters)} "
          f"pre-filters, {failures} dropped")
    return failures


def main():
    events = sorted(glob.glob(os.path.join(ROOT, "events", "*.json")))
    rules = load_builtin_rules()
    if not rules or not events:
        print("check-prefilter: no built-in rules or events/*.json; nothing to check")
        return 1
    filters = {
        "template.yaml EventsRule": prefilter("template.yaml", "EventsRule"),
        "forwarder.yaml ForwardRule": prefilter("forwarder.yaml", "ForwardRule"),
    }
    compiled = [
        (r["id"], load_pattern(r["pattern"]), [load_pattern(x) for x in r.get("exclude") or []])
        for r in rules
    ]
    failures = 0
    checked = 0
    for path in events:
        with open(path) as f:
            try:
                event = json.load(f)
            except json.JSONDecodeError:
                continue  # not a single EventBridge event (e.g. a CloudTrail log file)
        if not isinstance(event, dict) or "detail" not in event:
            continue
        for rule_id, pattern, excludes in compiled:
            if not pattern.matches_event(event) or any(x.matches_event(event) for x in excludes):
                continue
            checked += 1
            for name, flt in filters.items():
                if not flt.matches_event(event):
                    failures += 1
                    print(f"FAIL: {name} drops {os.path.relpath(path, ROOT)}, which fires {rule_id}")
    print(f"check-prefilter: {checked} (event, rule) alerts checked against {len(filters)} pre-filters, {failures} dropped")
    forged_failures = check_forged(filters, compiled)
    failures += check_generated() + check_fixtures(filters)
    return 1 if failures or forged_failures else 0


def check_forged(filters, compiled):
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*", "no-match", "forged-*.json")))
    failures = 0
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        with open(path) as f:
            event = json.load(f)
        if event.get("source", "").startswith("aws."):
            failures += 1
            print(f"FAIL: {rel} is not forged: its source is {event['source']}")
        for name, flt in filters.items():
            if flt.matches_event(event):
                failures += 1
                print(f"FAIL: {name} lets the forged event {rel} through")
        for rule_id, pattern, _ in compiled:
            if pattern.matches_event(event):
                failures += 1
                print(f"FAIL: built-in rule {rule_id} matches the forged event {rel}")
    cli = 0
    if paths and not os.environ.get("SKIP_CLI"):
        cmd = ["cargo", "run", "-q", "--no-default-features", "--bin", "cloudtrail-alerts", "--",
               "evaluate", "--format", "json", *paths]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0 or run.stdout.strip():
            failures += 1
            print(f"FAIL: cloudtrail-alerts evaluate on the forged events: exit {run.returncode}, "
                  f"output:\n{run.stdout}{run.stderr}")
        cli = len(paths)
    print(f"check-prefilter: {len(paths)} forged events checked against {len(filters)} pre-filters "
          f"and {len(compiled)} built-in rules ({cli} through the CLI), {failures} failures")
    return failures


if __name__ == "__main__":
    sys.exit(main())
