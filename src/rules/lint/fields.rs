//! Patterns that load but can never match a CloudTrail event: a
//! top-level key that is not an EventBridge envelope field (`eventName`
//! without `detail`), a `source` that is not an `aws.*` name
//! (`iam.amazonaws.com`), a `detail` key that is not a CloudTrail record
//! field (`EventName`), each with a did-you-mean. The field lists are data
//! files (`rules/data/`).

use std::fmt;

use serde_json::Value;

use crate::rules::Rule;

const RECORD_FIELDS: &str = include_str!("../data/cloudtrail-record-fields.txt");
const ENVELOPE_FIELDS: &str = include_str!("../data/eventbridge-envelope-fields.txt");

fn names(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// What is wrong with a pattern that loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LintKind {
    /// A top-level pattern key that no EventBridge event has.
    TopLevelKey { key: String },
    /// A `source` value that is not an EventBridge source name.
    Source { value: String },
    /// A `detail` key that is not a CloudTrail record field.
    DetailKey { key: String },
}

/// One key or value of a rule's pattern (or exclude) that can never match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `pattern`, or `exclude[N]`.
    pub place: String,
    pub kind: LintKind,
    /// The likely intended key or value.
    pub suggestion: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.place)?;
        match &self.kind {
            LintKind::TopLevelKey { key } => write!(
                f,
                "`{key}` is not a field of an EventBridge event, so this never matches"
            )?,
            LintKind::Source { value } => write!(
                f,
                "source `{value}` is not an EventBridge source (those read `aws.<service>`), so this never matches"
            )?,
            LintKind::DetailKey { key } => write!(
                f,
                "`detail.{key}` is not a CloudTrail record field, so this never matches a CloudTrail event"
            )?,
        }
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

/// Every finding for `rule`'s pattern and excludes, in that order.
pub fn findings(rule: &Rule) -> Vec<Finding> {
    let places = std::iter::once(("pattern".to_string(), &rule.pattern)).chain(
        rule.exclude
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("exclude[{i}]"), e)),
    );
    let mut out = Vec::new();
    for (place, pattern) in places {
        for (kind, suggestion) in lint_pattern(pattern) {
            out.push(Finding {
                place: place.clone(),
                kind,
                suggestion,
            });
        }
    }
    out
}

fn lint_pattern(pattern: &Value) -> Vec<(LintKind, Option<String>)> {
    let parsed;
    let pattern = match pattern {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => return Vec::new(),
        },
        other => other,
    };
    let Some(top) = pattern.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in top.keys() {
        if key.starts_with('$') || names(ENVELOPE_FIELDS).any(|f| f == key) {
            continue;
        }
        let suggestion = closest(key, names(RECORD_FIELDS))
            .map(|f| format!("detail.{f}"))
            .or_else(|| closest(key, names(ENVELOPE_FIELDS)).map(str::to_string));
        out.push((LintKind::TopLevelKey { key: key.clone() }, suggestion));
    }
    if let Some(values) = top.get("source").and_then(Value::as_array) {
        for value in values.iter().filter_map(Value::as_str) {
            if !value.starts_with("aws.") {
                let service = value.strip_suffix(".amazonaws.com").unwrap_or(value);
                let suggestion = (!service.is_empty() && !service.contains(['.', ' ', '*']))
                    .then(|| format!("aws.{service}"));
                out.push((
                    LintKind::Source {
                        value: value.to_string(),
                    },
                    suggestion,
                ));
            }
        }
    }
    if is_cloudtrail_pattern(top)
        && let Some(detail) = top.get("detail").and_then(Value::as_object)
    {
        for key in detail.keys() {
            if key.starts_with('$') || names(RECORD_FIELDS).any(|f| f == key) {
                continue;
            }
            let suggestion = closest(key, names(RECORD_FIELDS)).map(|f| format!("detail.{f}"));
            out.push((LintKind::DetailKey { key: key.clone() }, suggestion));
        }
    }
    out
}

/// `detail` holds a CloudTrail record unless `detail-type` names only other
/// kinds of event (an EC2 state change, a scheduled event).
fn is_cloudtrail_pattern(top: &serde_json::Map<String, Value>) -> bool {
    match top.get("detail-type").and_then(Value::as_array) {
        Some(types) => types
            .iter()
            .any(|t| t.as_str().is_none_or(|t| t.contains("CloudTrail"))),
        None => true,
    }
}

/// The name `key` was most likely meant to be: the same but for case, or
/// at most two edits away.
fn closest(key: &str, names: impl Iterator<Item = &'static str>) -> Option<&'static str> {
    let lower = key.to_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for name in names {
        let d = if name.to_lowercase() == lower {
            0
        } else {
            edits(&lower, &name.to_lowercase())
        };
        if d <= 2 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, name));
        }
    }
    best.map(|(_, n)| n)
}

fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
