//! The email subject: 1-99 printable ASCII characters (SNS wants fewer than
//! 100), severity and rule title always first.

use crate::alert::Alert;

use super::sanitize::{ascii_line, ellipsize};

/// SNS: "less than 100 characters long".
pub const SUBJECT_MAX: usize = 99;

/// True when `s` says something: at least one ASCII letter or digit.
pub(crate) fn usable(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_alphanumeric())
}

pub fn subject(alert: &Alert) -> Option<String> {
    let sev = format!("[{}]", alert.rule.severity.label());
    let mut title = ascii_line(&alert.rule.title, 80);
    if !usable(&title) {
        title = ascii_line(&alert.rule.id, 80);
    }
    let event = alert
        .event_name
        .as_deref()
        .map(|e| ascii_line(e, 40))
        .filter(|e| usable(e));
    let name = alert
        .account_name
        .as_deref()
        .map(|n| ascii_line(n, 30))
        .filter(|n| usable(n));
    let id = alert
        .account
        .as_deref()
        .map(|a| ascii_line(a, 20))
        .filter(|a| usable(a));

    let head = if usable(&title) {
        format!("{sev} {title}")
    } else {
        sev
    };
    let what = match &event {
        Some(e) => format!("{head}: {e}"),
        None => head.clone(),
    };
    let mut candidates = Vec::new();
    match (&name, &id) {
        (Some(n), Some(i)) => {
            candidates.push(format!("{what} in {n} ({i})"));
            candidates.push(format!("{what} in {n}"));
        }
        (Some(n), None) => candidates.push(format!("{what} in {n}")),
        (None, Some(i)) => candidates.push(format!("{what} in {i}")),
        (None, None) => {}
    }
    candidates.push(what);
    candidates.push(head.clone());
    let chosen = candidates
        .into_iter()
        .find(|c| c.len() <= SUBJECT_MAX)
        .unwrap_or_else(|| ellipsize(&head, SUBJECT_MAX));
    let chosen = chosen.trim().to_string();
    (!chosen.is_empty()).then_some(chosen)
}
