//! The deployed EventBridge pre-filter, derived from the rules.
//!
//! The rule in front of the function (`EventsRule` in template.yaml, and
//! `ForwardRule` in forwarder.yaml) drops successful read-only calls, except
//! root's, because they are most of CloudTrail's volume and no
//! change-detecting rule needs them. A rule that does need one (an alert on
//! `GetPasswordData`, `GetSecretValue`, any `Get*`/`List*`/`Describe*`) would
//! then pass every local test and never fire in AWS. So the pre-filter is the
//! fixed [`base`] plus one `$or` branch per event source naming the read-only
//! calls some rule matches ([`pattern`]), and a rule whose read-only calls
//! cannot be named (no exact `eventName`, no `eventSource`) is reported
//! ([`Coverage::open`]) instead of being silently hidden.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::rules::Rule;

/// EventBridge's default limit on an event pattern, in characters (Amazon
/// EventBridge quotas, "Event pattern size"; adjustable on request).
pub const PATTERN_SIZE_LIMIT: usize = 2048;

/// `detail-type` values the pre-filter admits: every CloudTrail event type.
/// AWS documents "Signin"; delivered events have long said "Sign In".
const DETAIL_TYPES: &[&str] = &[
    "AWS API Call via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Console Signin via CloudTrail",
    "AWS Console Action via CloudTrail",
    "AWS Service Event via CloudTrail",
    "AWS Insight via CloudTrail",
];

/// Event types that carry no `readOnly` field, so the base lets them through.
const UNFILTERED_DETAIL_TYPES: &[&str] = &[
    "AWS Console Sign In via CloudTrail",
    "AWS Console Signin via CloudTrail",
    "AWS Insight via CloudTrail",
];

const READ_ONLY_CALLS: &str = include_str!("prefilter/read-only-calls.txt");

/// More alternatives than this in one rule (`$or` inside `$or`) are not
/// expanded: the rule is reported as not coverable.
const MAX_BRANCHES: usize = 256;

/// The `$or` branches every pre-filter has: writes, events without a
/// `readOnly` field, failed calls (attempts matter), and root's calls
/// (root-account-usage reports reads too).
fn base_branches() -> Vec<Value> {
    vec![
        json!({ "detail": { "readOnly": [false] } }),
        json!({ "detail": { "readOnly": [{ "exists": false }] } }),
        json!({ "detail": { "errorCode": [{ "exists": true }] } }),
        json!({ "detail": { "userIdentity": { "type": ["Root"] } } }),
    ]
}

/// The pre-filter with no read-only calls added.
pub fn base() -> Value {
    assemble(&BTreeMap::new())
}

/// Does CloudTrail record `event_name` as read-only (as far as
/// `read-only-calls.txt` knows)?
pub fn is_read_only(event_name: &str) -> bool {
    read_only_entries().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => event_name.starts_with(prefix),
        None => event_name == entry,
    })
}

fn read_only_entries() -> impl Iterator<Item = &'static str> {
    READ_ONLY_CALLS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Could a name starting with `prefix` be a read-only call?
fn prefix_may_be_read_only(prefix: &str) -> bool {
    read_only_entries().any(|entry| match entry.strip_suffix('*') {
        Some(p) => prefix.starts_with(p) || p.starts_with(prefix),
        None => entry.starts_with(prefix),
    })
}

/// What one rule needs from the pre-filter beyond [`base`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// `(eventSource, eventName)` of read-only calls the rule matches.
    pub pairs: BTreeSet<(String, String)>,
    /// Why some read-only events the rule matches cannot be named; empty when
    /// the pairs (and the base) pass everything the rule can match.
    pub open: Vec<String>,
}

/// The read-only calls `pattern` (a rule's event pattern) can match.
pub fn coverage(pattern: &Value) -> Coverage {
    let mut cov = Coverage::default();
    let Some(object) = pattern.as_object() else {
        return cov;
    };
    let Some(branches) = expand(object, "") else {
        cov.open.push(format!(
            "its pattern has more than {MAX_BRANCHES} `$or` alternatives"
        ));
        return cov;
    };
    for branch in branches {
        classify(&branch, &mut cov);
    }
    cov.open.sort();
    cov.open.dedup();
    cov
}

/// Does every alternative of `pattern` (its `$or` multiplied out) have a
/// `source` condition? Without one, an event anyone posts can match it.
pub fn names_source(pattern: &Value) -> bool {
    let branches = pattern.as_object().and_then(|o| expand(o, ""));
    branches.is_some_and(|branches| {
        branches
            .iter()
            .all(|b| b.iter().any(|(path, _)| path == "source"))
    })
}

type Branch = Vec<(String, Value)>;

/// The pattern as alternatives of flat `(dotted path, condition list)`
/// conditions: `$or` multiplied out. None when there are too many.
fn expand(object: &Map<String, Value>, prefix: &str) -> Option<Vec<Branch>> {
    let mut branches: Vec<Branch> = vec![Vec::new()];
    for (key, value) in object {
        let alternatives: Vec<Branch> = if key == "$or" {
            let mut alts = Vec::new();
            for alt in value.as_array().into_iter().flatten() {
                alts.extend(expand(alt.as_object()?, prefix)?);
            }
            alts
        } else {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                Value::Object(inner) => expand(inner, &path)?,
                other => vec![vec![(path, other.clone())]],
            }
        };
        if branches.len() * alternatives.len() > MAX_BRANCHES {
            return None;
        }
        branches = branches
            .iter()
            .flat_map(|b| {
                alternatives.iter().map(move |alt| {
                    let mut joined = b.clone();
                    joined.extend(alt.iter().cloned());
                    joined
                })
            })
            .collect();
    }
    Some(branches)
}

fn conditions<'a>(branch: &'a Branch, path: &str) -> Option<&'a [Value]> {
    branch
        .iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, v)| v.as_array().map(Vec::as_slice))
}

fn all(values: Option<&[Value]>, test: impl Fn(&Value) -> bool) -> bool {
    values.is_some_and(|v| !v.is_empty() && v.iter().all(test))
}

fn is_exists(v: &Value, exists: bool) -> bool {
    v.get("exists") == Some(&Value::Bool(exists))
}

/// Does a condition on a field require the field to be present?
fn requires_presence(v: &Value) -> bool {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
        Value::Object(o) => {
            is_exists(v, true)
                || ["prefix", "suffix", "wildcard", "equals-ignore-case", "cidr"]
                    .iter()
                    .any(|k| o.contains_key(*k))
        }
        _ => false,
    }
}

fn classify(branch: &Branch, cov: &mut Coverage) {
    // Conditions the base already lets through in full.
    if all(conditions(branch, "detail.readOnly"), |v| {
        *v == Value::Bool(false) || is_exists(v, false)
    }) || all(conditions(branch, "detail.errorCode"), requires_presence)
        || all(conditions(branch, "detail.userIdentity.type"), |v| {
            v == "Root"
        })
        || all(conditions(branch, "detail-type"), |v| {
            v.as_str()
                .is_some_and(|t| UNFILTERED_DETAIL_TYPES.contains(&t))
        })
    {
        return;
    }
    let Some(names) = conditions(branch, "detail.eventName") else {
        cov.open
            .push("it does not name its calls (no `detail.eventName`)".to_string());
        return;
    };
    let mut read_only = Vec::new();
    for name in names {
        match name {
            Value::String(s) if is_read_only(s) => read_only.push(s.clone()),
            Value::String(_) => {}
            Value::Object(o) => {
                let prefix = o.get("prefix").and_then(Value::as_str).or_else(|| {
                    o.get("wildcard")
                        .and_then(Value::as_str)
                        .map(|w| w.split('*').next().unwrap_or(""))
                });
                match prefix {
                    Some(p) if !prefix_may_be_read_only(p) => {}
                    _ => cov.open.push(format!(
                        "its eventName condition {name} can match read-only calls that cannot be listed"
                    )),
                }
            }
            other => cov.open.push(format!(
                "its eventName condition {other} can match read-only calls that cannot be listed"
            )),
        }
    }
    if read_only.is_empty() {
        return;
    }
    let sources =
        conditions(branch, "detail.eventSource").filter(|s| s.iter().all(Value::is_string));
    let Some(sources) = sources else {
        cov.open.push(format!(
            "it matches the read-only call{} {} without an exact `detail.eventSource`",
            if read_only.len() == 1 { "" } else { "s" },
            read_only.join(", ")
        ));
        return;
    };
    for source in sources.iter().filter_map(Value::as_str) {
        for name in &read_only {
            cov.pairs.insert((source.to_string(), name.clone()));
        }
    }
}

/// The pre-filter that passes every event `rules` can match (as far as each
/// rule's [`Coverage`] can name them), enabled or not, so that enabling a
/// rule needs no new deployment.
pub fn pattern<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Value {
    let mut by_source: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rule in rules {
        for (source, name) in coverage(&rule.pattern).pairs {
            by_source.entry(source).or_default().insert(name);
        }
    }
    assemble(&by_source)
}

fn assemble(by_source: &BTreeMap<String, BTreeSet<String>>) -> Value {
    let mut branches = base_branches();
    for (source, names) in by_source {
        branches.push(json!({ "detail": { "eventSource": [source], "eventName": names } }));
    }
    // Only AWS services' events: PutEvents refuses sources starting with
    // "aws.", so an event posted by anyone allowed on the bus is dropped.
    json!({
        "source": [{ "prefix": "aws." }],
        "detail-type": DETAIL_TYPES,
        "$or": branches,
    })
}

/// The pattern's size as EventBridge counts it: compact JSON characters.
pub fn size(pattern: &Value) -> usize {
    pattern.to_string().chars().count()
}

/// The read-only calls of `rule` that `deployed` (a pre-filter made by
/// [`pattern`]) does not pass, and why others cannot be named; None when the
/// deployed pre-filter passes everything the rule can match.
pub fn hidden(rule: &Rule, deployed: &Value) -> Option<Coverage> {
    let passed = deployed_pairs(deployed);
    let mut cov = coverage(&rule.pattern);
    cov.pairs.retain(|pair| !passed.contains(pair));
    (!cov.pairs.is_empty() || !cov.open.is_empty()).then_some(cov)
}

fn deployed_pairs(deployed: &Value) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for branch in deployed
        .get("$or")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let detail = branch.get("detail");
        let list = |key: &str| -> Vec<String> {
            detail
                .and_then(|d| d.get(key))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        for source in list("eventSource") {
            for name in list("eventName") {
                pairs.insert((source.clone(), name));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests;
