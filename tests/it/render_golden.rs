//! Golden outputs: what subscribers receive, reviewed by eye. Regenerate
//! with `UPDATE_GOLDEN=1 cargo test --no-default-features --test it render_golden`
//! and read the diff.
//!
//! - `tests/golden/<event>.*`: every file in `events/`, through the engine
//!   with the built-in pack and `rules/example.yaml` (as
//!   `cloudtrail-alerts render --rules rules/example.yaml events/<event>.json`);
//!   `<event>.<rule>.*` when one event fires several rules.
//! - `tests/golden/fixtures/` and `tests/golden/hostile/`: our own sample and
//!   hostile events, with hand-built rules.

use std::path::Path;

use crate::support::render::{
    alert_for, check_invariants, example_engine, hostile_events, project_events, root,
    sample_events,
};
use cloudtrail_alerts::alert::Alert;
use cloudtrail_alerts::render;
use serde_json::Value;

fn compare(dir: &Path, file: &str, actual: &str, failures: &mut Vec<String>) {
    let path = dir.join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(dir).unwrap();
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

fn check_golden(dir: &Path, name: &str, alert: &Alert, failures: &mut Vec<String>) {
    check_invariants(name, alert);
    let subject = render::subject(alert).unwrap_or_default() + "\n";
    let sms = render::sms(alert) + "\n";
    let chat: Value = serde_json::from_str(&render::chat(alert)).unwrap();
    let chat = serde_json::to_string_pretty(&chat).unwrap() + "\n";
    compare(dir, &format!("{name}.subject"), &subject, failures);
    compare(
        dir,
        &format!("{name}.email"),
        &render::email(alert),
        failures,
    );
    compare(dir, &format!("{name}.sms"), &sms, failures);
    compare(dir, &format!("{name}.chat.json"), &chat, failures);
}

#[test]
fn project_sample_events_match_golden_outputs() {
    let events = project_events();
    assert!(!events.is_empty(), "no events/ files");
    let engine = example_engine();
    let dir = root().join("tests/golden");
    let mut failures = Vec::new();
    let mut alerts = 0;
    for (name, event) in events {
        let evaluation = engine.evaluate_value(&event).unwrap();
        let several = evaluation.alerts.len() > 1;
        for alert in &evaluation.alerts {
            let golden = if several {
                format!("{name}.{}", alert.rule.id)
            } else {
                name.clone()
            };
            check_golden(&dir, &golden, alert, &mut failures);
            alerts += 1;
        }
    }
    assert!(alerts > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fixture_events_match_golden_outputs() {
    let dir = root().join("tests/golden/fixtures");
    let mut failures = Vec::new();
    for (name, event) in sample_events() {
        check_golden(&dir, &name, &alert_for(&name, &event), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn hostile_events_match_golden_outputs() {
    let dir = root().join("tests/golden/hostile");
    let mut failures = Vec::new();
    for (name, event) in hostile_events() {
        check_golden(&dir, &name, &alert_for(&name, &event), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
