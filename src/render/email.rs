//! Plain text for a person reading on a phone: aligned `Label: value` lines
//! grouped under short headings, then what the rule means and what to do.
//!
//! Only this module's own labels start at column 0. Event values are cleaned
//! to one line (so they cannot start a line of their own) and defanged (so
//! they cannot become a link); rule text is indented by two spaces.

use std::fmt::Write;

use crate::alert::Alert;

use super::sanitize::{clean, defang};
use super::{event_time, is_insight, result_text};

/// Column where values start.
const LABEL_WIDTH: usize = 14;
/// Longest event value shown, in characters.
const VALUE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 2000;
const RUNBOOK_LINES_MAX: usize = 40;
const RUNBOOK_LINE_MAX: usize = 500;

struct Body {
    text: String,
    /// A heading written only once its section has a line.
    heading: Option<&'static str>,
}

impl Body {
    fn heading(&mut self, h: &'static str) {
        self.heading = Some(h);
    }

    fn start_line(&mut self) {
        if let Some(h) = self.heading.take() {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(h);
            self.text.push('\n');
        }
    }

    /// A line with a value from the event: cleaned and defanged, skipped when empty.
    fn field(&mut self, label: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value
            .map(|v| defang(&clean(v, max)))
            .filter(|v| !v.is_empty())
        {
            self.line(label, &v);
        }
    }

    /// A line with a value this crate wrote (already safe).
    fn line(&mut self, label: &str, value: &str) {
        self.start_line();
        let label = format!("{label}:");
        let _ = writeln!(self.text, "{label:<LABEL_WIDTH$}{value}");
    }

    /// Rule text: each line cleaned and indented.
    fn indented(&mut self, text: &str, max_lines: usize, max_chars: usize) {
        for line in text
            .lines()
            .map(|l| clean(l, max_chars))
            .filter(|l| !l.is_empty())
            .take(max_lines)
        {
            self.start_line();
            let _ = writeln!(self.text, "  {line}");
        }
    }
}

pub fn email(alert: &Alert) -> String {
    let rule = &alert.rule;
    let p = &alert.principal;
    let mut b = Body {
        text: String::new(),
        heading: None,
    };
    let title = defang(&clean(&rule.title, 200));
    let _ = writeln!(b.text, "{}: {}", rule.severity.label(), title);
    b.text.push('\n');
    b.line("Severity", rule.severity.label());
    b.field("Rule", Some(&rule.id), 200);

    b.heading("What happened");
    let event = match (&alert.event_name, &alert.event_source) {
        (Some(n), Some(s)) => Some(format!("{n} ({s})")),
        (Some(n), None) => Some(n.clone()),
        (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    };
    b.field("Event", event.as_deref(), VALUE_MAX);
    if !is_insight(alert) {
        b.field("Result", Some(&result_text(alert)), VALUE_MAX);
    }
    b.field("Error", alert.error_message.as_deref(), 600);

    b.heading("Who");
    b.field("Type", p.kind.as_deref(), VALUE_MAX);
    b.field("ARN", p.arn.as_deref(), VALUE_MAX);
    b.field("User", p.user_name.as_deref(), VALUE_MAX);
    b.field("Session", p.session_name.as_deref(), VALUE_MAX);
    b.field("Role", p.role_arn.as_deref(), VALUE_MAX);
    b.field("Invoked by", p.invoked_by.as_deref(), VALUE_MAX);
    b.field("Access key", p.access_key_id.as_deref(), VALUE_MAX);
    if p.account_id.is_some() && p.account_id != alert.account {
        b.field("Home account", p.account_id.as_deref(), VALUE_MAX);
    }
    if p.arn.is_none() && p.user_name.is_none() {
        b.field("Principal id", p.principal_id.as_deref(), VALUE_MAX);
    }
    match p.mfa {
        Some(true) => b.line("MFA", "yes"),
        Some(false) => b.line("MFA", "no"),
        None => {}
    }

    b.heading("Where");
    let account = match (&alert.account, &alert.account_name) {
        (Some(id), Some(name)) => Some(format!("{id} ({name})")),
        (Some(id), None) => Some(id.clone()),
        (None, Some(name)) => Some(name.clone()),
        (None, None) => None,
    };
    b.field("Account", account.as_deref(), VALUE_MAX);
    b.field("Region", alert.region.as_deref(), VALUE_MAX);
    b.field("Time", event_time(alert).as_deref(), VALUE_MAX);
    b.field("Source IP", alert.source_ip.as_deref(), VALUE_MAX);
    b.field("User agent", alert.user_agent.as_deref(), 400);

    if !alert.request_fields.is_empty() {
        b.heading("Request");
        let width = alert
            .request_fields
            .iter()
            .map(|(k, _)| clean(k, 40).chars().count() + 1)
            .max()
            .unwrap_or(0);
        for (k, v) in &alert.request_fields {
            let k = format!("{}:", defang(&clean(k, 40)));
            let v = defang(&clean(v, VALUE_MAX));
            b.start_line();
            let _ = writeln!(b.text, "  {k:<width$} {v}");
        }
    }

    let description = clean(&rule.description, DESCRIPTION_MAX);
    if !description.is_empty() {
        b.heading("About this rule");
        b.indented(&description, 1, DESCRIPTION_MAX);
        for reference in rule.references.iter().take(5) {
            b.indented(&format!("See: {reference}"), 1, 200);
        }
    }
    if let Some(runbook) = rule.runbook.as_deref().filter(|r| !r.trim().is_empty()) {
        b.heading("What to do");
        b.indented(runbook, RUNBOOK_LINES_MAX, RUNBOOK_LINE_MAX);
    }

    b.heading("Links");
    if let Some(link) = alert.console_link() {
        b.line("CloudTrail", &link);
    }
    b.field("Event id", alert.event_id.as_deref(), 100);
    b.text
}
