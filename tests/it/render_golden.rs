//! Golden outputs: what subscribers receive, reviewed by eye. Regenerate
//! with `UPDATE_GOLDEN=1 cargo test --no-default-features --test it render_golden`,
//! which rewrites the files and fails listing them; read the diff and commit.
//! Any other value of `UPDATE_GOLDEN` is refused.
//!
//! - `tests/golden/<event>.*`: every file in `events/`, through the engine
//!   with the built-in pack and `rules/example.yaml` (as
//!   `cloudtrail-alerts render --rules rules/example.yaml events/<event>.json`);
//!   `<event>.<rule>.*` when one event fires several rules; a CloudTrail log
//!   file's records as `<event>.<n>.*` (1-based position in `Records`).
//! - `tests/golden/fixtures/` and `tests/golden/hostile/`: our own sample and
//!   hostile events, with hand-built rules.
//! - `*.default.json` is the default message (what SQS, Lambda, HTTP and
//!   email-json subscribers parse), pretty-printed.
//!
//! A file under tests/golden that none of these produce fails the test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::support::golden::{self, unknown_files, verify};
use crate::support::render::{
    alert_for, check_invariants, example_engine, hostile_events, project_events, root,
    sample_events,
};
use cloudtrail_alerts::alert::Alert;
use cloudtrail_alerts::render;
use serde_json::Value;

type Files = BTreeMap<PathBuf, String>;

fn pretty(json: &str) -> String {
    let value: Value = serde_json::from_str(json).unwrap();
    serde_json::to_string_pretty(&value).unwrap() + "\n"
}

fn add_outputs(files: &mut Files, prefix: &str, name: &str, alert: &Alert) {
    check_invariants(name, alert);
    let mut add = |ext: &str, content: String| {
        files.insert(PathBuf::from(format!("{prefix}{name}.{ext}")), content);
    };
    add("subject", render::subject(alert).unwrap_or_default() + "\n");
    add("email", render::email(alert));
    add("sms", render::sms(alert) + "\n");
    add("chat.json", pretty(&render::chat(alert)));
    add("default.json", pretty(&render::json(alert)));
}

/// A sample file's events: the file itself, or each record of a CloudTrail
/// log file (`{"Records": [...]}`) named by its 1-based position.
fn sample_records(name: String, event: Value) -> Vec<(String, Value)> {
    match event.get("Records").and_then(Value::as_array) {
        Some(records) => records
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{name}.{}", i + 1), r.clone()))
            .collect(),
        None => vec![(name, event)],
    }
}

fn project_goldens() -> Files {
    let events = project_events();
    assert!(!events.is_empty(), "no events/ files");
    let engine = example_engine();
    let mut files = Files::new();
    for (name, event) in events.into_iter().flat_map(|(n, e)| sample_records(n, e)) {
        let evaluation = engine.evaluate_value(&event).unwrap();
        let several = evaluation.alerts.len() > 1;
        for alert in &evaluation.alerts {
            let golden = if several {
                format!("{name}.{}", alert.rule.id)
            } else {
                name.clone()
            };
            add_outputs(&mut files, "", &golden, alert);
        }
    }
    files
}

fn fixture_goldens() -> Files {
    let mut files = Files::new();
    for (name, event) in sample_events() {
        add_outputs(&mut files, "fixtures/", &name, &alert_for(&name, &event));
    }
    files
}

fn hostile_goldens() -> Files {
    let mut files = Files::new();
    for (name, event) in hostile_events() {
        add_outputs(&mut files, "hostile/", &name, &alert_for(&name, &event));
    }
    files
}

fn check(files: Files) {
    assert!(!files.is_empty());
    let problems = verify(&root().join("tests/golden"), &files, golden::mode());
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn project_sample_events_match_golden_outputs() {
    let files = project_goldens();
    // The log file's root sign-in is rendered like any other event.
    assert!(
        files.contains_key(&PathBuf::from("cloudtrail-log-file.1.default.json")),
        "the CloudTrail log file sample produced no golden: {:?}",
        files.keys().collect::<Vec<_>>()
    );
    check(files);
}

#[test]
fn fixture_events_match_golden_outputs() {
    check(fixture_goldens());
}

#[test]
fn hostile_events_match_golden_outputs() {
    check(hostile_goldens());
}

#[test]
fn golden_directory_holds_only_files_a_test_produces() {
    let mut known = project_goldens();
    known.extend(fixture_goldens());
    known.extend(hostile_goldens());
    let unknown = unknown_files(&root().join("tests/golden"), &known);
    assert!(
        unknown.is_empty(),
        "files under tests/golden no test produces (delete them or add their event): {unknown:?}"
    );
}
