#!/usr/bin/env python3
"""The Python peer of `cloudtrail-alerts evaluate --no-state`, for comparing speed.

Reads NDJSON (one EventBridge event a line) with the standard `json` module
and evaluates the literal built-in pack (rules/builtin.yaml and
rules/builtin/*.yaml, rules without `enabled: false`) with a minimal
EventBridge pattern matcher: exact values, null, prefix, suffix,
anything-but (value, list, prefix, suffix, wildcard), exists, numeric,
wildcard and $or; `exclude` patterns suppress. It prints the events, the
matches, the time and events/s to stderr, and one `rule-id event-id` line per
match to stdout.

    .venv/bin/python scripts/python-peer.py /tmp/small.ndjson > /tmp/peer.txt
"""

import glob
import json
import os
import re
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = object()


def load_rules():
    files = [os.path.join(ROOT, "rules", "builtin.yaml")]
    files += sorted(glob.glob(os.path.join(ROOT, "rules", "builtin", "*.yaml")))
    rules = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for rule in yaml.safe_load(f).get("rules", []):
                if rule.get("enabled", True) is False:
                    continue
                rules.append(
                    (
                        rule["id"],
                        as_pattern(rule["pattern"]),
                        [as_pattern(p) for p in rule.get("exclude", [])],
                    )
                )
    return rules


def as_pattern(p):
    return json.loads(p) if isinstance(p, str) else p


def leaves(value, out):
    """The leaf values under `value`: arrays are flattened, as EventBridge does."""
    if isinstance(value, list):
        for item in value:
            leaves(item, out)
    else:
        out.append(value)
    return out


def children(values, key):
    """The values at `key` of every object in `values` (arrays flattened)."""
    found = []
    for v in values:
        for item in leaves(v, []):
            if isinstance(item, dict) and key in item:
                found.append(item[key])
    return found


def wildcard_regex(text):
    parts, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        parts.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(parts), re.S)


WILDCARDS = {}


def wildcard(pattern, v):
    rx = WILDCARDS.get(pattern)
    if rx is None:
        rx = WILDCARDS[pattern] = wildcard_regex(pattern)
    return isinstance(v, str) and rx.fullmatch(v) is not None


NUMERIC = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def condition(cond, v):
    """One element of a pattern's list against one present leaf value."""
    if not isinstance(cond, dict):
        return cond == v and type(cond) is type(v) or (cond is None and v is None)
    (op, arg), = cond.items()
    if op == "prefix":
        return isinstance(v, str) and v.startswith(arg)
    if op == "suffix":
        return isinstance(v, str) and v.endswith(arg)
    if op == "wildcard":
        return wildcard(arg, v)
    if op == "equals-ignore-case":
        return isinstance(v, str) and v.lower() == arg.lower()
    if op == "numeric":
        if not is_number(v):
            return False
        return all(NUMERIC[arg[i]](v, arg[i + 1]) for i in range(0, len(arg), 2))
    if op == "anything-but":
        if isinstance(arg, dict):
            return not condition(arg, v) and isinstance(v, str)
        values = arg if isinstance(arg, list) else [arg]
        return all(not condition(a, v) for a in values)
    raise ValueError(f"operator {op} not supported")


def field_matches(conds, values):
    """A pattern list against the values found at its path (none if absent)."""
    for cond in conds:
        if isinstance(cond, dict) and "exists" in cond:
            present = any(not isinstance(x, dict) for x in leaves(values, []))
            if present == cond["exists"]:
                return True
            continue
        for v in leaves(values, []):
            if not isinstance(v, dict) and condition(cond, v):
                return True
    return False


def matches(pattern, values):
    for key, sub in pattern.items():
        if key == "$or":
            if not any(matches(alt, values) for alt in sub):
                return False
            continue
        found = children(values, key)
        if isinstance(sub, dict):
            if not matches(sub, found):
                return False
        elif not field_matches(sub, found):
            return False
    return True


def main():
    rules = load_rules()
    events = hits = 0
    out = sys.stdout
    start = time.perf_counter()
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            for line in f:
                if not line.strip():
                    continue
                event = json.loads(line)
                events += 1
                top = [event]
                for rule_id, pattern, excludes in rules:
                    if matches(pattern, top) and not any(matches(x, top) for x in excludes):
                        hits += 1
                        detail = event.get("detail") or {}
                        out.write(f"{rule_id} {detail.get('eventID', event.get('id'))}\n")
    elapsed = time.perf_counter() - start
    print(
        f"python-peer: {events} events, {hits} matches, {len(rules)} rules, "
        f"{elapsed:.2f} s, {events / elapsed:,.0f} events/s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
