//! Rule files (YAML or JSON), settings (account names, scopes, overrides) and
//! the built-in pack (`rules/builtin.yaml`, embedded at compile time).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::severity::Severity;

/// Where a rule (or an error) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// File name as given by the user, or `builtin` for the embedded pack.
    pub file: String,
    /// 1-based line of the rule's entry.
    pub line: usize,
}

/// Where a rule applies: by account (ids, after resolving account names) and region.
/// Empty lists mean everywhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

/// One alert rule, as loaded and resolved (overrides applied, account names resolved).
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// An EventBridge event pattern over the envelope.
    pub pattern: Value,
    /// Patterns of events not to alert on.
    pub exclude: Vec<Value>,
    pub runbook: Option<String>,
    pub enabled: bool,
    pub references: Vec<String>,
    pub scope: Scope,
    pub origin: Origin,
}

/// Settings carried by rule files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// Account name → account ids, e.g. `prod: ["111122223333"]`.
    pub accounts: BTreeMap<String, Vec<String>>,
}

impl Settings {
    /// The name given to `account_id`, if any.
    pub fn account_name(&self, account_id: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|(_, ids)| ids.iter().any(|id| id == account_id))
            .map(|(name, _)| name.as_str())
    }
}

/// Every rule (enabled or not) and the settings, after loading all files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleConfig {
    pub rules: Vec<Rule>,
    pub settings: Settings,
}

/// Which files to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub files: Vec<PathBuf>,
    pub builtin: bool,
}
