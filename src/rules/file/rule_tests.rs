//! The `tests:` key of a rule: events the rule must (or must not) alert on,
//! run by `cloudtrail-alerts test`.

use serde_json::Value;

use super::{Ctx, did_you_mean, get, string};
use crate::rules::yaml::{Kind, Node};

pub(super) const TEST_KEYS: &[&str] = &["name", "event", "file", "expect", "alert"];

/// The alert fields a test may expect: keys of the JSON summary line
/// (`evaluate --format json`) that hold a string or a boolean.
pub const ALERT_KEYS: &[&str] = &[
    "account",
    "account_name",
    "error_code",
    "error_message",
    "event_id",
    "event_name",
    "event_source",
    "event_time",
    "failed",
    "principal",
    "principal_type",
    "region",
    "severity",
    "source_ip",
    "title",
    "user_agent",
];

/// One test of a rule, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleTest {
    pub name: String,
    pub line: usize,
    pub event: TestEvent,
    /// Does the rule alert on the event?
    pub expect_alert: bool,
    /// Expected alert fields: summary-line key and value.
    pub alert: Vec<(String, Value)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestEvent {
    /// The event written in the rule file.
    Inline(Value),
    /// A path as written, relative to the rule file's directory.
    File(String),
}

/// `tests:`, a list of `{name, event | file, expect, alert}`. Each problem is
/// reported; `None` when there is any.
pub(super) fn rule_tests(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<Vec<RuleTest>> {
    let Kind::Seq(items) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`tests` must be a list of `{{name: ..., event: ..., expect: alert}}` entries, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors.len();
    let mut out: Vec<RuleTest> = Vec::new();
    for item in items {
        if let Some(test) = rule_test(ctx, item, rid) {
            if out.iter().any(|t| t.name == test.name) {
                ctx.err(
                    item.line,
                    rid,
                    format!("test name `{}` is used twice", test.name),
                );
                continue;
            }
            out.push(test);
        }
    }
    (ctx.errors.len() == before).then_some(out)
}

fn rule_test(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<RuleTest> {
    let Kind::Map(entries) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "a test must be a mapping with name, event (or file) and expect, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors.len();
    ctx.unknown_keys(entries, TEST_KEYS, "a test", rid);
    let name = match get(entries, "name") {
        None => {
            ctx.err(node.line, rid, "test has no `name`");
            None
        }
        Some(n) => string(ctx, n, "name", rid),
    };
    let event = match (get(entries, "event"), get(entries, "file")) {
        (Some(e), None) => match &e.kind {
            Kind::Map(_) => Some(TestEvent::Inline(e.to_json())),
            _ => {
                ctx.err(
                    e.line,
                    rid,
                    format!(
                        "test `event` must be a mapping (the event), not {}",
                        e.type_name()
                    ),
                );
                None
            }
        },
        (None, Some(f)) => string(ctx, f, "file", rid).map(TestEvent::File),
        (Some(_), Some(_)) => {
            ctx.err(node.line, rid, "test has both `event` and `file`; give one");
            None
        }
        (None, None) => {
            ctx.err(
                node.line,
                rid,
                "test has no `event` (inline) or `file` (a path)",
            );
            None
        }
    };
    let expect_alert = match get(entries, "expect") {
        None => {
            ctx.err(node.line, rid, "test has no `expect` (alert or no-alert)");
            None
        }
        Some(n) => match n.as_str() {
            Some("alert") => Some(true),
            Some("no-alert") => Some(false),
            _ => {
                ctx.err(n.line, rid, "`expect` must be `alert` or `no-alert`");
                None
            }
        },
    };
    let alert = get(entries, "alert")
        .map(|n| expected_alert(ctx, n, rid))
        .unwrap_or_default();
    if expect_alert == Some(false) && !alert.is_empty() {
        ctx.err(
            node.line,
            rid,
            "test expects no alert but lists `alert` fields",
        );
    }
    if ctx.errors.len() > before {
        return None;
    }
    Some(RuleTest {
        name: name?,
        line: node.line,
        event: event?,
        expect_alert: expect_alert?,
        alert,
    })
}

fn expected_alert(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Vec<(String, Value)> {
    let Kind::Map(entries) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "test `alert` must map alert fields to values (e.g. `severity: high`), not {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        if !ALERT_KEYS.contains(&entry.key.as_str()) {
            let hint = did_you_mean(&entry.key, ALERT_KEYS.iter().copied())
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| format!("; expected one of {}", ALERT_KEYS.join(", ")));
            ctx.err(
                entry.key_line,
                rid,
                format!("unknown alert field `{}` in a test{hint}", entry.key),
            );
            continue;
        }
        match &entry.value.kind {
            Kind::Str(_) | Kind::Bool(_) | Kind::Null => {
                out.push((entry.key.clone(), entry.value.to_json()));
            }
            _ => ctx.err(
                entry.value.line,
                rid,
                format!(
                    "alert field `{}` must be a string, not {}",
                    entry.key,
                    entry.value.type_name()
                ),
            ),
        }
    }
    out
}
