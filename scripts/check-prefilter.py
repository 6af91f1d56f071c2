#!/usr/bin/env python3
"""The EventBridge pre-filter must never hide an event a built-in rule alerts on.

For every sample event in events/ that a built-in rule matches (pattern matches
and no exclude does), the pre-filter patterns of template.yaml's EventsRule and
forwarder.yaml's ForwardRule must match it too. Patterns are evaluated with
moto's EventBridge pattern matcher, an implementation independent of ours.
Run with the .venv python (moto, PyYAML and the SAM CLI's YAML loader).
"""
import glob
import json
import os
import sys

import yaml
from moto.events.models import EventPattern
from samcli.yamlhelper import yaml_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_pattern(value):
    return EventPattern.load(value if isinstance(value, str) else json.dumps(value))


def prefilter(template, resource):
    with open(os.path.join(ROOT, template)) as f:
        tpl = yaml_parse(f.read())
    pattern = dict(tpl["Resources"][resource]["Properties"]["EventPattern"])
    # The forwarder's `account` is !Ref AWS::AccountId; match the event's own.
    pattern.pop("account", None)
    return load_pattern(pattern)


def main():
    builtin = os.path.join(ROOT, "rules", "builtin.yaml")
    events = sorted(glob.glob(os.path.join(ROOT, "events", "*.json")))
    if not os.path.exists(builtin) or not events:
        print("check-prefilter: no rules/builtin.yaml or events/*.json; nothing to check")
        return 0
    with open(builtin) as f:
        rules = yaml.safe_load(f)["rules"]
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
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
