//! Rules and settings for the alert tests: a rule that names no fields, and
//! the built-in pack's own rules.

use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::Alert;
use crate::rules::{Rule, Settings, load_sources};

/// A rule that names no request fields.
pub fn rule() -> Rule {
    let mut rule = crate::testing::rule("test-rule", json!({}));
    rule.title = "Test rule".into();
    rule.description = "A rule for tests.".into();
    rule.origin.file = "test".into();
    rule
}

/// The built-in pack's rule `id`, as loaded.
pub fn builtin_rule(id: &str) -> Rule {
    let config = load_sources(&[], true).unwrap_or_else(|e| panic!("{e:?}"));
    config
        .rules
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no built-in rule {id}"))
}

pub fn settings() -> Settings {
    let mut accounts = BTreeMap::new();
    accounts.insert("prod".to_string(), vec!["111122223333".to_string()]);
    Settings {
        accounts,
        ..Settings::default()
    }
}

/// The alert of [`rule`] for `event`.
pub fn build(event: Value) -> Alert {
    build_with(&rule(), event)
}

pub fn build_with(rule: &Rule, event: Value) -> Alert {
    Alert::build(rule, &event, &settings())
}
