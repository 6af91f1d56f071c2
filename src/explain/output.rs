//! An explanation as text (a heading, then one aligned line a rule) and as
//! one JSON line (documented in docs/cli.md).

use serde_json::{Value, json};

use super::{Explanation, Reason, Verdict};
use crate::input::Position;
use crate::pattern::Miss;
use crate::render::sanitize;

/// Longest event value shown in a text line; JSON carries them whole.
const SHOWN_CHARS: usize = 200;

/// The heading and one line a rule, indented and aligned, without a final newline.
pub fn text(explanation: &Explanation, position: &Position) -> String {
    let e = &explanation.event;
    let mut heading = format!("explain {}: record {}", position.source, position.record);
    let named: Vec<&str> = [&e.event_name, &e.event_source, &e.account, &e.region]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !named.is_empty() {
        heading.push_str(&format!(": {}", named.join(" ")));
    }
    let mut lines = vec![sanitize::clean(&heading, 4 * SHOWN_CHARS)];
    let id_width = explanation
        .verdicts
        .iter()
        .map(|v| v.rule_id.len())
        .max()
        .unwrap_or(0);
    let label_width = explanation
        .verdicts
        .iter()
        .map(|v| label(&v.reason).len())
        .max()
        .unwrap_or(0);
    for v in &explanation.verdicts {
        let why = sanitize::clean(&detail(v), 4 * SHOWN_CHARS);
        let line = format!(
            "  {:id_width$}  {:label_width$}  {why}",
            v.rule_id,
            label(&v.reason)
        );
        lines.push(line.trim_end().to_string());
    }
    match (explanation.verdicts.is_empty(), explanation.others) {
        _ if explanation.focused => {}
        (true, n) => lines.push(format!(
            "  no candidate rule ({n} rules loaded; none is indexed under a value this event has)"
        )),
        (false, 0) => {}
        (false, n) => lines.push(format!(
            "  {n} other rule{}: not candidates for this event",
            if n == 1 { "" } else { "s" }
        )),
    }
    lines.join("\n")
}

fn label(reason: &Reason) -> &'static str {
    match reason {
        Reason::Matched { .. } => "matched",
        Reason::Disabled { .. } => "disabled",
        Reason::OutOfScope { .. } => "out of scope",
        Reason::Excluded { .. } => "excluded",
        Reason::NoMatch { .. } => "no match",
    }
}

/// The JSON name of a verdict.
fn kind(reason: &Reason) -> &'static str {
    match reason {
        Reason::Matched { .. } => "matched",
        Reason::Disabled { .. } => "disabled",
        Reason::OutOfScope { .. } => "out-of-scope",
        Reason::Excluded { .. } => "excluded",
        Reason::NoMatch { .. } => "no-match",
    }
}

fn seen_text(seen: &[Value]) -> String {
    match seen {
        [] => "absent".to_string(),
        [one] => sanitize::ellipsize(&one.to_string(), SHOWN_CHARS),
        many => format!(
            "[{}]",
            many.iter()
                .map(|s| sanitize::ellipsize(&s.to_string(), SHOWN_CHARS))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn detail(v: &Verdict) -> String {
    let mut text = match &v.reason {
        Reason::Matched { delivery: None } => String::new(),
        Reason::Matched {
            delivery: Some(delivery),
        } => format!("delivery: {delivery}"),
        Reason::Disabled { by, would_match } => format!(
            "by {by}; {}",
            if *would_match {
                "the pattern matches"
            } else {
                "the pattern does not match either"
            }
        ),
        Reason::OutOfScope {
            field,
            wanted,
            seen,
        } => format!(
            "{field}: wanted one of [{}], saw {}",
            wanted.join(", "),
            seen_text(seen)
        ),
        Reason::Excluded { index, at } => format!("by exclude[{index}] at {at}"),
        Reason::NoMatch { miss, branches } => {
            let mut text = match miss {
                Miss::Field { path, wanted, seen } => {
                    format!("{path}: wanted {wanted}, saw {}", seen_text(seen))
                }
                Miss::Arrays { paths } => format!(
                    "{} each match, but not in the same array element",
                    paths.join(", ")
                ),
            };
            if *branches > 1 {
                text.push_str(&format!(" (closest of {branches} $or branches)"));
            }
            text
        }
    };
    if !v.candidate {
        text.push_str(if text.is_empty() {
            "(not a candidate)"
        } else {
            " (not a candidate)"
        });
    }
    text
}

/// One JSON line: where the event is, what it is, and `explain`, one object
/// a rule. Bidi, zero-width and C1 characters from the event are escaped, as
/// in alert lines.
pub fn json_line(explanation: &Explanation, position: &Position) -> String {
    sanitize::escape_json_output(json_value(explanation, position).to_string())
}

fn json_value(explanation: &Explanation, position: &Position) -> Value {
    let e = &explanation.event;
    json!({
        "source_file": position.source,
        "record": position.record,
        "event_name": e.event_name,
        "event_source": e.event_source,
        "account": e.account,
        "region": e.region,
        "explain": explanation.verdicts.iter().map(verdict_json).collect::<Vec<_>>(),
        "rules_not_listed": explanation.others,
    })
}

fn verdict_json(v: &Verdict) -> Value {
    let mut out = json!({
        "rule": v.rule_id,
        "verdict": kind(&v.reason),
        "candidate": v.candidate,
    });
    let fields = match &v.reason {
        Reason::Matched { delivery } => json!({ "delivery": delivery }),
        Reason::Disabled { by, would_match } => {
            json!({ "disabled_by": by, "would_match": would_match })
        }
        Reason::OutOfScope {
            field,
            wanted,
            seen,
        } => json!({ "field": field, "wanted": wanted, "seen": seen }),
        Reason::Excluded { index, at } => json!({ "exclude": index, "exclude_at": at.to_string() }),
        Reason::NoMatch { miss, branches } => match miss {
            Miss::Field { path, wanted, seen } => json!({
                "path": path, "wanted": wanted, "seen": seen, "branches": branches,
            }),
            Miss::Arrays { paths } => json!({
                "paths": paths, "wanted": "values from the same array element", "branches": branches,
            }),
        },
    };
    if let (Some(out), Value::Object(fields)) = (out.as_object_mut(), fields) {
        out.extend(fields);
    }
    out
}
