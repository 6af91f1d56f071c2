//! Amazon Q Developer in chat applications (AWS Chatbot) custom notification:
//! `{"version": "1.0", "source": "custom", "content": {...}, "metadata": {...}}`
//! with `textType` `client-markdown`.
//!
//! Every value from the event goes through [`markdown`]: one line, defanged,
//! markup characters replaced by full-width look-alikes so no mention
//! (`<!channel>`, `<@U123>`, `@here`), link or formatting can be forged. Rule
//! text gets the same markup treatment; its description and runbook are not
//! defanged (as in the email): their author wrote them, and a runbook's links
//! should open. The severity, event id, rule and CloudTrail
//! link lines are always in the description; the others share what room is
//! left.

use serde_json::{Value, json};

use crate::alert::Alert;

use super::sanitize::{ellipsize, escape_json_output, markdown, rule_markdown};
use super::{event_time, is_insight, result_text, token};

/// Slack shows at most 3,000 characters of a text section; stay below
/// (characters, not bytes).
const DESCRIPTION_MAX: usize = 2800;
const VALUE_MAX: usize = 300;
const NEXT_STEPS_MAX: usize = 8;

/// One line of the description; required lines are always shown.
struct Line {
    text: String,
    required: bool,
}

impl Line {
    fn required(text: String) -> Self {
        Line {
            text,
            required: true,
        }
    }

    fn optional(text: String) -> Self {
        Line {
            text,
            required: false,
        }
    }
}

/// Shortest cut of an optional line worth showing, in characters.
const CUT_MIN: usize = 24;

/// The lines joined in order within `max` characters: the required ones
/// whole, then each optional one whole if it fits, cut with `...` if a useful
/// part fits, left out otherwise, so one huge value cannot push out the lines
/// after it.
fn fit(lines: Vec<Line>, max: usize) -> String {
    let count = |s: &str| s.chars().count();
    let required: usize = lines
        .iter()
        .filter(|l| l.required)
        .map(|l| count(&l.text) + 1)
        .sum();
    let mut spare = max.saturating_sub(required);
    let mut kept: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        if line.required {
            kept.push(line.text);
            continue;
        }
        let need = count(&line.text) + 1;
        if need <= spare {
            spare -= need;
            kept.push(line.text);
        } else if spare > CUT_MIN {
            let cut = ellipsize(&line.text, spare - 1);
            spare = spare.saturating_sub(count(&cut) + 1);
            kept.push(cut);
        }
    }
    kept.join("\n")
}

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

    let mut lines: Vec<Line> = Vec::new();
    let mut field = |label: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(Line::optional(format!("*{label}:* {v}")));
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
    lines.insert(
        0,
        Line::required(format!("*Severity:* {}", rule.severity.label())),
    );
    if let Some(id) = alert
        .event_id
        .as_deref()
        .map(|e| markdown(e, 100))
        .filter(|e| !e.is_empty())
    {
        lines.push(Line::required(format!("*Event id:* {id}")));
    }
    lines.push(Line::required(format!(
        "*Rule:* {}",
        markdown(&rule.id, 100)
    )));
    if let Some(link) = alert.console_link() {
        lines.push(Line::required(format!("*CloudTrail:* {link}")));
    }
    let about = rule_markdown(&rule.description, 600);
    if !about.is_empty() {
        lines.push(Line::optional(format!("\n{about}")));
    }
    let description = fit(lines, DESCRIPTION_MAX);

    let next_steps: Vec<String> = rule
        .runbook
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(|l| rule_markdown(l, 300))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::testing::{build_with, rule};

    #[test]
    fn rule_text_keeps_its_links_while_event_values_are_defanged() {
        let mut r = rule();
        r.description = "See docs/rules.md before <!channel> *panics*.".into();
        r.runbook = Some(
            "1. Read https://wiki.example.com/runbooks/sg\n2. Check requestParameters.groupId"
                .into(),
        );
        let alert = build_with(
            &r,
            serde_json::json!({"detail": {
                "eventName": "AuthorizeSecurityGroupIngress",
                "userAgent": "curl (+https://evil.example.com/x)"
            }}),
        );
        let doc: Value = serde_json::from_str(&chat(&alert)).expect("chat is JSON");
        let content = &doc["content"];
        assert_eq!(
            content["nextSteps"],
            serde_json::json!([
                "1. Read https://wiki.example.com/runbooks/sg",
                "2. Check requestParameters.groupId"
            ])
        );
        let description = content["description"].as_str().expect("description");
        assert!(
            description.contains("See docs/rules.md before ＜!channel＞ ＊panics＊."),
            "{description}"
        );
        assert!(
            description.contains("hxxps://evil[.]example[.]com/x"),
            "{description}"
        );
    }
}
