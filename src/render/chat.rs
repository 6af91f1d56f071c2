//! Amazon Q Developer in chat applications (AWS Chatbot) custom notification:
//! `{"version": "1.0", "source": "custom", "content": {...}, "metadata": {...}}`
//! with `textType` `client-markdown`.
//!
//! Every value from the event goes through [`markdown`]: one line, defanged,
//! markdown metacharacters backslash-escaped, `<` `>` `@` replaced by their
//! full-width forms so no mention (`<!channel>`, `<@U123>`, `@here`) or link
//! can be forged. Rule text is escaped the same way.

use serde_json::{Value, json};

use crate::alert::Alert;

use super::sanitize::{escape_json_output, markdown};
use super::{event_time, is_insight, result_text, token};

/// Slack shows at most 3,000 characters of a text section; stay below.
const DESCRIPTION_MAX: usize = 2800;
const VALUE_MAX: usize = 300;
const NEXT_STEPS_MAX: usize = 8;

pub fn chat(alert: &Alert) -> String {
    serialize(&document(alert))
}

pub(crate) fn serialize(doc: &Value) -> String {
    escape_json_output(doc.to_string())
}

fn document(alert: &Alert) -> Value {
    let rule = &alert.rule;
    let p = &alert.principal;
    let md = |s: &str| markdown(s, VALUE_MAX);
    let title = format!("[{}] {}", rule.severity.label(), markdown(&rule.title, 200));

    let mut lines: Vec<String> = Vec::new();
    let mut field = |label: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(format!("*{label}:* {v}"));
        }
    };
    let event = match (&alert.event_name, &alert.event_source) {
        (Some(n), Some(s)) => Some(format!("{} ({})", md(n), md(s))),
        (Some(n), None) => Some(md(n)),
        (None, Some(s)) => Some(md(s)),
        (None, None) => None,
    };
    field("Event", event);
    if !is_insight(alert) {
        field("Result", Some(md(&result_text(alert))));
    }
    field("Error", alert.error_message.as_deref().map(md));
    let who = match (p.display(), &p.kind) {
        (Some(d), Some(k)) => Some(format!("{} ({})", md(&d), md(k))),
        (Some(d), None) => Some(md(&d)),
        (None, Some(k)) => Some(md(k)),
        (None, None) => None,
    };
    field("Who", who);
    field("Role", p.role_arn.as_deref().map(md));
    field(
        "MFA",
        p.mfa.map(|m| if m { "yes" } else { "no" }.to_string()),
    );
    let account = match (&alert.account, &alert.account_name) {
        (Some(id), Some(name)) => Some(format!("{} ({})", md(id), md(name))),
        (Some(id), None) => Some(md(id)),
        (None, Some(name)) => Some(md(name)),
        (None, None) => None,
    };
    field("Account", account);
    field("Region", alert.region.as_deref().map(md));
    field("Time", event_time(alert).map(|t| md(&t)));
    field("Source IP", alert.source_ip.as_deref().map(md));
    field(
        "User agent",
        alert.user_agent.as_deref().map(|u| markdown(u, 200)),
    );
    if !alert.request_fields.is_empty() {
        let request: Vec<String> = alert
            .request_fields
            .iter()
            .map(|(k, v)| format!("{}: {}", markdown(k, 40), md(v)))
            .collect();
        field("Request", Some(request.join("; ")));
    }
    field(
        "Event id",
        alert.event_id.as_deref().map(|e| markdown(e, 100)),
    );
    field("Rule", Some(markdown(&rule.id, 100)));
    if let Some(link) = alert.console_link() {
        lines.push(format!("*CloudTrail:* {link}"));
    }
    let about = markdown(&rule.description, 600);
    if !about.is_empty() {
        lines.push(String::new());
        lines.push(about);
    }

    let mut description = String::new();
    for line in lines {
        if description.len() + line.len() + 1 > DESCRIPTION_MAX {
            break;
        }
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str(&line);
    }

    let next_steps: Vec<String> = rule
        .runbook
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(|l| markdown(l, 300))
        .filter(|l| !l.is_empty())
        .take(NEXT_STEPS_MAX)
        .collect();

    let mut keywords = vec![rule.severity.label().to_string(), markdown(&rule.id, 60)];
    if let Some(acct) = alert.account_name.as_deref().or(alert.account.as_deref()) {
        let acct = markdown(acct, 60);
        if !acct.is_empty() {
            keywords.push(acct);
        }
    }

    let mut content = json!({
        "textType": "client-markdown",
        "title": title,
        "description": description,
        "keywords": keywords,
    });
    if !next_steps.is_empty() {
        content["nextSteps"] = json!(next_steps);
    }
    let summary = format!(
        "{} {}{}",
        rule.severity.label(),
        markdown(&rule.title, 120),
        alert
            .event_name
            .as_deref()
            .map(|e| format!(": {}", markdown(e, 60)))
            .unwrap_or_default()
    );
    let mut context = serde_json::Map::new();
    context.insert("rule".into(), json!(token(&rule.id)));
    context.insert("severity".into(), json!(rule.severity.as_str()));
    for (key, value) in [
        ("account", alert.account.as_deref()),
        ("region", alert.region.as_deref()),
        ("event_id", alert.event_id.as_deref()),
    ] {
        if let Some(v) = value.map(token).filter(|v| !v.is_empty()) {
            context.insert(key.into(), json!(v));
        }
    }
    let mut doc = json!({
        "version": "1.0",
        "source": "custom",
        "content": content,
        "metadata": {
            "summary": summary,
            "eventType": token(&rule.id),
            "additionalContext": context,
        },
    });
    if let Some(id) = alert
        .event_id
        .as_deref()
        .map(token)
        .filter(|t| !t.is_empty())
    {
        doc["id"] = json!(id);
    }
    doc
}
