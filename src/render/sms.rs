//! SMS: at most 140 printable ASCII characters, the essentials first
//! (severity, what, account, who, source IP), so a cut loses the least.
//! Phones link host names in messages, so every part is defanged.

use crate::alert::Alert;

use super::sanitize::{ascii_line, defang, ellipsize};
use super::subject::usable;

pub const SMS_MAX: usize = 140;

pub fn sms(alert: &Alert) -> String {
    let part =
        |s: Option<&str>, max: usize| s.map(|s| defang(&ascii_line(s, max))).filter(|s| usable(s));
    let mut text = alert.rule.severity.label().to_string();
    text.push(':');
    let title = part(Some(&alert.rule.title), 48).or_else(|| part(Some(&alert.rule.id), 48));
    if let Some(title) = title {
        text.push(' ');
        text.push_str(&title);
    }
    let failed = if alert.failed { " failed" } else { "" };
    match part(alert.event_name.as_deref(), 32) {
        Some(event) => text.push_str(&format!(" ({event}{failed})")),
        None if alert.failed => text.push_str(" (failed)"),
        None => {}
    }
    let account =
        part(alert.account_name.as_deref(), 24).or_else(|| part(alert.account.as_deref(), 24));
    if let Some(account) = account {
        text.push_str(&format!(" in {account}"));
    }
    if let Some(who) = part(alert.who().as_deref(), 32) {
        text.push_str(&format!(" by {who}"));
    }
    if let Some(ip) = part(alert.source_ip.as_deref(), 39) {
        text.push_str(&format!(" from {ip}"));
    }
    fit_defanged(&text)
}

/// The text cut to [`SMS_MAX`], defanged again: a cut can turn a part that
/// was no host name (`evil.exampleA0a`) into one (`evil.example...`).
fn fit_defanged(text: &str) -> String {
    let mut budget = SMS_MAX;
    loop {
        let out = defang(&ellipsize(text, budget));
        let over = out.chars().count().saturating_sub(SMS_MAX);
        if over == 0 || budget <= over {
            return out;
        }
        budget -= over;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_that_makes_a_host_name_is_defanged() {
        let long = format!("x{} evil.exampleA0a", "y".repeat(SMS_MAX - 14));
        assert_eq!(defang(&long), long, "not a host name before the cut");
        let out = fit_defanged(&long);
        assert!(out.chars().count() <= SMS_MAX, "{out}");
        assert!(out.contains("evil[.]ex..."), "{out}");
        assert!(!out.contains("evil.ex"), "{out}");
    }
}
