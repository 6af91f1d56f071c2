//! `cloudtrail-alerts test`: every test of every active rule, run through the
//! engine exactly as `evaluate` runs events. A user rule's tests are its
//! `tests:`; a built-in rule's are its fixtures, `<fixtures>/<rule-id>/match/`
//! (must alert) and `no-match/` (must not), read from a source checkout.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::engine::Engine;
use crate::render::summary_json;
use crate::rules::{RuleConfig, TestEvent, is_builtin_file};

/// One test to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub rule_id: String,
    pub name: String,
    pub event: CaseEvent,
    pub expect_alert: bool,
    /// Expected alert fields (summary-line key, value).
    pub alert: Vec<(String, Value)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CaseEvent {
    Inline(Value),
    File(PathBuf),
    /// A built-in rule with no fixture directory: always a failure.
    Missing(String),
}

/// What one test gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub rule_id: String,
    pub test: String,
    pub expected: String,
    pub got: String,
    pub passed: bool,
}

/// The tests of every enabled rule: user rules' `tests:`, and, when
/// `fixtures` is given, the built-in rules' fixture directories.
pub fn cases(config: &RuleConfig, fixtures: Option<&Path>) -> Vec<Case> {
    let mut out = Vec::new();
    for rule in config.rules.iter().filter(|r| r.enabled) {
        if let Some(dir) = fixtures.filter(|_| is_builtin_file(&rule.origin.file)) {
            out.extend(fixture_cases(&rule.id, &dir.join(&rule.id)));
        }
        for set in config.tests.iter().filter(|t| t.rule_id == rule.id) {
            let base = Path::new(&set.file).parent().unwrap_or(Path::new(""));
            out.extend(set.tests.iter().map(|t| Case {
                rule_id: rule.id.clone(),
                name: t.name.clone(),
                event: match &t.event {
                    TestEvent::Inline(v) => CaseEvent::Inline(v.clone()),
                    TestEvent::File(f) => CaseEvent::File(base.join(f)),
                },
                expect_alert: t.expect_alert,
                alert: t.alert.clone(),
            }));
        }
    }
    out
}

fn fixture_cases(rule_id: &str, dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for (sub, expect_alert) in [("match", true), ("no-match", false)] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|path| Case {
            rule_id: rule_id.to_string(),
            name: format!(
                "{sub}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            event: CaseEvent::File(path),
            expect_alert,
            alert: Vec::new(),
        }));
    }
    if !out.iter().any(|c| c.expect_alert) {
        out.push(Case {
            rule_id: rule_id.to_string(),
            name: "match/".to_string(),
            event: CaseEvent::Missing(format!("no fixture in {}", dir.join("match").display())),
            expect_alert: true,
            alert: Vec::new(),
        });
    }
    out
}

/// Run one case.
pub fn run(engine: &Engine, case: &Case) -> Outcome {
    let expected = expectation(case);
    let got = match event(case) {
        Err(message) => format!("error: {message}"),
        Ok(event) => match engine.evaluate_value(&event) {
            Err(err) => format!("error: {err}"),
            Ok(evaluation) => match evaluation.alerts.iter().find(|a| a.rule.id == case.rule_id) {
                None => "no-alert".to_string(),
                Some(alert) => {
                    let summary = summary_json(alert);
                    let wrong: Vec<String> = case
                        .alert
                        .iter()
                        .filter(|(k, v)| summary.get(k) != Some(v))
                        .map(|(k, _)| format!("{k}: {}", summary.get(k).unwrap_or(&Value::Null)))
                        .collect();
                    if wrong.is_empty() {
                        expected_alert_text(case, "alert")
                    } else {
                        format!("alert ({})", wrong.join(", "))
                    }
                }
            },
        },
    };
    Outcome {
        rule_id: case.rule_id.clone(),
        test: case.name.clone(),
        passed: got == expected,
        expected,
        got,
    }
}

fn expectation(case: &Case) -> String {
    if case.expect_alert {
        expected_alert_text(case, "alert")
    } else {
        "no-alert".to_string()
    }
}

fn expected_alert_text(case: &Case, word: &str) -> String {
    if case.alert.is_empty() {
        word.to_string()
    } else {
        let fields: Vec<String> = case
            .alert
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{word} ({})", fields.join(", "))
    }
}

fn event(case: &Case) -> Result<Value, String> {
    match &case.event {
        CaseEvent::Inline(v) => Ok(v.clone()),
        CaseEvent::Missing(message) => Err(message.clone()),
        CaseEvent::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
        }
    }
}
