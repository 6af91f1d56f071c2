//! Digest messages: the matches a window folded, the threshold reached, or
//! the alerts a storm guard held back, for every output (subject, email,
//! SMS, chat, JSON), with the same sanitizing and limits as alerts.
//!
//! Chat messages carry `metadata.threadId` from the window key, so in Slack
//! an alert, its repeats and its digest thread together.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::decide::time::{format_time, human_span};
use crate::decide::{Counter, Delivery, Digest, DigestKind};

use super::sanitize::{ascii_line, clean, defang, ellipsize, escape_json_output, markdown};
use super::subject::usable;
use super::{Messages, PublishRequest, SMS_MAX, SUBJECT_MAX, token};

/// Values listed per kind (principals, source IPs…).
const TOP: usize = crate::decide::tally::TOP_SHOWN;
const VALUE_MAX: usize = 200;

/// The four lists a digest shows, with their headings.
fn lists(d: &Digest) -> [(&'static str, &'static str, &Counter); 4] {
    let t = &d.tally;
    [
        ("Principals", "principals", &t.principals),
        ("Source IPs", "source_ips", &t.source_ips),
        ("Event names", "event_names", &t.event_names),
        ("Resources", "resources", &t.resources),
    ]
}

/// The one value of a list when every match had it.
fn only(c: &Counter, count: u64) -> Option<&str> {
    match c.top(2).as_slice() {
        [(v, n)] if *n == count && c.other == 0 => {
            c.values.get_key_value(v).map(|(k, _)| k.as_str())
        }
        _ => None,
    }
}

/// The chat thread of a window: its key as a token.
pub fn thread_id(key: &str) -> String {
    token(&key.replace('#', ":"))
}

fn span(d: &Digest) -> Option<String> {
    let (first, last) = (d.tally.first?, d.tally.last?);
    Some(human_span(last - first))
}

/// What the digest says in one line; `fit` makes each event value safe for
/// the output at hand.
fn headline(d: &Digest, fit: &dyn Fn(&str, usize) -> String) -> String {
    let count = d.tally.count;
    let title = {
        let t = fit(&d.subject.title, 80);
        if usable(&t) {
            t
        } else {
            fit(&d.subject.rule_id, 80)
        }
    };
    match &d.kind {
        DigestKind::Repeats => match span(d) {
            Some(within) if d.tally.first != d.tally.last => {
                format!("{count} more: {title} over {within}")
            }
            _ => format!("{count} more: {title}"),
        },
        DigestKind::Threshold { count: needed } => {
            let mut s = format!("{needed} x {title}");
            if let Some(who) = only(&d.tally.principals, count) {
                s.push_str(&format!(" by {}", fit(who, 60)));
            }
            if let Some(ip) = only(&d.tally.source_ips, count) {
                s.push_str(&format!(" from {}", fit(ip, 40)));
            }
            if let Some(within) = span(d) {
                s.push_str(&format!(" in {within}"));
            }
            s
        }
        DigestKind::Held { destination } => format!(
            "{count} alerts held back by the storm guard of {}",
            fit(destination, 40)
        ),
    }
}

fn account(d: &Digest) -> Option<String> {
    match (&d.subject.account_name, &d.subject.account) {
        (Some(n), Some(a)) => Some(format!("{n} ({a})")),
        (Some(n), None) => Some(n.clone()),
        (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

fn time(t: Option<i64>) -> Option<String> {
    t.map(|t| {
        let s = format_time(t);
        format!("{} {} UTC", &s[..10], &s[11..19])
    })
}

/// Email subject: severity first, printable ASCII, at most [`SUBJECT_MAX`].
pub fn subject(d: &Digest) -> String {
    let head = headline(d, &|s, max| ascii_line(s, max));
    let sev = format!("[{}]", d.subject.severity.label());
    let with_account = account(d)
        .map(|a| ascii_line(&a, 40))
        .filter(|a| usable(a))
        .map(|a| format!("{sev} {head} in {a}"));
    with_account
        .filter(|s| s.len() <= SUBJECT_MAX)
        .unwrap_or_else(|| ellipsize(&format!("{sev} {head}"), SUBJECT_MAX))
}

/// SMS: at most [`SMS_MAX`] printable ASCII characters.
pub fn sms(d: &Digest) -> String {
    let head = headline(d, &|s, max| ascii_line(s, max.min(48)));
    let mut text = format!("{}: {head}", d.subject.severity.label());
    let name = d.subject.account_name.as_deref().map(|n| ascii_line(n, 24));
    let id = d.subject.account.as_deref().map(|a| ascii_line(a, 24));
    if let Some(a) = name.filter(|n| usable(n)).or(id.filter(|a| usable(a))) {
        text.push_str(&format!(" in {a}"));
    }
    ellipsize(&text, SMS_MAX)
}

/// Plain text: the counts, the times, then each list with its counts.
pub fn email(d: &Digest) -> String {
    let safe = |s: &str, max: usize| defang(&clean(s, max));
    let mut out = headline(d, &safe);
    out.push_str("\n\n");
    let mut line = |label: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            let label = format!("{label}:");
            let _ = writeln!(out, "{label:<14}{v}");
        }
    };
    line("Severity", Some(d.subject.severity.label().to_string()));
    if !d.subject.rule_id.is_empty() {
        line(
            "Rule",
            Some(format!(
                "{} ({})",
                safe(&d.subject.title, 200),
                safe(&d.subject.rule_id, 100)
            )),
        );
    }
    line("Account", account(d).map(|a| safe(&a, 120)));
    line("Matches", Some(d.tally.count.to_string()));
    line("First", time(d.tally.first));
    line("Last", time(d.tally.last));
    line(
        "Window",
        Some(format!(
            "{} to {}",
            time(Some(d.window_start)).unwrap_or_default(),
            time(Some(d.window_end)).unwrap_or_default()
        )),
    );
    for (heading, _, counter) in lists(d) {
        let top = counter.top(TOP);
        if top.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading}");
        for (value, n) in top {
            let _ = writeln!(out, "  {n:>6}  {}", safe(&value, VALUE_MAX));
        }
        let rest = counter.rest(TOP);
        if rest > 0 {
            let _ = writeln!(out, "  {rest:>6}  others");
        }
    }
    out.push_str(match &d.kind {
        DigestKind::Repeats => {
            "\nThe first match of this window was sent on its own; these are the others.\n"
        }
        DigestKind::Threshold { .. } => {
            "\nThe rule's threshold was reached; further matches in this window go into its digest.\n"
        }
        DigestKind::Held { .. } => {
            "\nThis destination's storm guard held these alerts back; every one is counted here.\n"
        }
    });
    out
}

/// The machine-readable digest (the default SNS body and `render --format json`).
pub fn json(d: &Digest) -> String {
    escape_json_output(json_value(d).to_string())
}

pub fn json_value(d: &Digest) -> Value {
    let cap = |s: &str| -> String { s.chars().take(VALUE_MAX).collect() };
    let mut top = serde_json::Map::new();
    for (_, name, counter) in lists(d) {
        let values: Vec<Value> = counter
            .top(TOP)
            .into_iter()
            .map(|(v, n)| json!({"value": cap(&v), "count": n}))
            .collect();
        top.insert(
            name.into(),
            json!({"top": values, "others": counter.rest(TOP)}),
        );
    }
    let (kind, extra) = match &d.kind {
        DigestKind::Repeats => ("repeats", Value::Null),
        DigestKind::Threshold { count } => ("threshold", json!(count)),
        DigestKind::Held { destination } => ("held", json!(cap(destination))),
    };
    let mut doc = json!({
        "delivery": "digest",
        "kind": kind,
        "rule": cap(&d.subject.rule_id),
        "severity": d.subject.severity.as_str(),
        "title": cap(&d.subject.title),
        "account": d.subject.account.as_deref().map(cap),
        "account_name": d.subject.account_name.as_deref().map(cap),
        "count": d.tally.count,
        "first_time": d.tally.first.map(format_time),
        "last_time": d.tally.last.map(format_time),
        "window_start": format_time(d.window_start),
        "window_end": format_time(d.window_end),
        "thread": thread_id(&d.key),
        "top": top,
    });
    match &d.kind {
        DigestKind::Threshold { .. } => doc["threshold"] = extra,
        DigestKind::Held { .. } => doc["destination"] = extra,
        DigestKind::Repeats => {}
    }
    doc
}

/// Amazon Q Developer in chat applications custom notification, threaded.
pub fn chat(d: &Digest) -> String {
    let md = |s: &str, max: usize| markdown(s, max);
    let sev = d.subject.severity.label();
    let title = format!("[{sev}] {}", headline(d, &md));
    let mut lines = vec![format!("*Matches:* {}", d.tally.count)];
    if let Some(a) = account(d) {
        lines.push(format!("*Account:* {}", md(&a, 120)));
    }
    if let (Some(f), Some(l)) = (time(d.tally.first), time(d.tally.last)) {
        lines.push(format!("*From:* {f} *to* {l}"));
    }
    for (heading, _, counter) in lists(d) {
        let top: Vec<String> = counter
            .top(TOP)
            .into_iter()
            .map(|(v, n)| format!("{} ({n})", md(&v, 120)))
            .collect();
        if !top.is_empty() {
            let rest = counter.rest(TOP);
            let more = if rest > 0 {
                format!(", {rest} others")
            } else {
                String::new()
            };
            lines.push(format!("*{heading}:* {}{more}", top.join(", ")));
        }
    }
    if !d.subject.rule_id.is_empty() {
        lines.push(format!("*Rule:* {}", md(&d.subject.rule_id, 100)));
    }
    let mut keywords = vec![sev.to_string(), "digest".to_string()];
    if !d.subject.rule_id.is_empty() {
        keywords.push(md(&d.subject.rule_id, 60));
    }
    let doc = json!({
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": lines.join("\n"),
            "keywords": keywords,
        },
        "metadata": {
            "threadId": thread_id(&d.key),
            "summary": format!("{sev} {}", headline(d, &md)),
            "eventType": token(if d.subject.rule_id.is_empty() { "digest" } else { &d.subject.rule_id }),
        },
    });
    escape_json_output(doc.to_string())
}

pub fn messages(d: &Digest) -> Messages {
    Messages {
        default: json(d),
        email: email(d),
        sms: sms(d),
        https: chat(d),
    }
}

/// The Publish request of a digest for one destination.
pub fn request(d: &Digest, destination: &str, topic_arn: &str) -> PublishRequest {
    let mut attributes = BTreeMap::new();
    attributes.insert("severity".into(), d.subject.severity.as_str().to_string());
    if !d.subject.rule_id.is_empty() {
        attributes.insert("rule".into(), ascii_line(&d.subject.rule_id, 256));
    }
    if let Some(a) = d
        .subject
        .account
        .as_deref()
        .map(|a| ascii_line(a, 256))
        .filter(|a| usable(a))
    {
        attributes.insert("account".into(), a);
    }
    attributes.insert("digest".into(), "true".into());
    PublishRequest {
        rule: d.subject.rule_id.clone(),
        destination: destination.to_string(),
        topic_arn: topic_arn.to_string(),
        subject: Some(subject(d)),
        message: messages(d),
        attributes,
    }
}

/// Thread an alert's chat message under its window, with its repeats' digest.
pub fn thread_request(request: &mut PublishRequest, key: &str) {
    if let Ok(mut doc) = serde_json::from_str::<Value>(&request.message.https)
        && let Some(metadata) = doc.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.insert("threadId".into(), json!(thread_id(key)));
        request.message.https = escape_json_output(doc.to_string());
    }
}

/// One line for `evaluate --format text`: the digest in a readable form.
pub fn text_line(d: &Digest) -> String {
    let v = |s: &str| clean(s, 120);
    let rule = if d.subject.rule_id.is_empty() {
        "storm-guard".to_string()
    } else {
        v(&d.subject.rule_id)
    };
    let mut line = format!(
        "{:<8} {rule} {}",
        "DIGEST",
        headline(d, &|s, max| clean(s, max))
    );
    if let (Some(f), Some(l)) = (d.tally.first, d.tally.last) {
        line.push_str(&format!(" from {} to {}", format_time(f), format_time(l)));
    }
    line
}

/// The JSON line `evaluate` prints for an alert: its summary and what was
/// done with it (`delivery`, and `threshold` when this match reached it).
pub fn delivery_line(
    alert: &crate::alert::Alert,
    delivery: Delivery,
    threshold: Option<u64>,
) -> String {
    let mut doc = super::summary_json(alert);
    doc["delivery"] = json!(delivery.as_str());
    if let Some(count) = threshold {
        doc["threshold"] = json!(count);
    }
    escape_json_output(doc.to_string())
}

#[cfg(test)]
mod tests;
