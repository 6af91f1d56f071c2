//! Golden outputs of every sample event: what subscribers receive, reviewed by
//! eye. Regenerate with `UPDATE_GOLDEN=1 cargo test --no-default-features --test render_golden`
//! and read the diff.

mod render_common;

use std::path::Path;

use cloudtrail_alerts::render;
use render_common::{alert_for, check_invariants, hostile_events, root, sample_events};
use serde_json::Value;

fn compare(dir: &Path, file: &str, actual: &str, failures: &mut Vec<String>) {
    let path = dir.join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{file} differs (UPDATE_GOLDEN=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}"
        )),
        Err(_) => failures.push(format!("{file} missing (UPDATE_GOLDEN=1 to create)")),
    }
}

fn golden(events: Vec<(String, Value)>) {
    assert!(!events.is_empty());
    let dir = root().join("tests/golden");
    let mut failures = Vec::new();
    for (name, event) in events {
        let alert = alert_for(&name, &event);
        check_invariants(&name, &alert);
        let subject = render::subject(&alert).unwrap_or_default() + "\n";
        let sms = render::sms(&alert) + "\n";
        let chat: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
        let chat = serde_json::to_string_pretty(&chat).unwrap() + "\n";
        compare(&dir, &format!("{name}.subject"), &subject, &mut failures);
        compare(
            &dir,
            &format!("{name}.email"),
            &render::email(&alert),
            &mut failures,
        );
        compare(&dir, &format!("{name}.sms"), &sms, &mut failures);
        compare(&dir, &format!("{name}.chat.json"), &chat, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn sample_events_match_golden_outputs() {
    golden(sample_events());
}

#[test]
fn hostile_events_match_golden_outputs() {
    golden(hostile_events());
}
