//! Rule files (YAML or JSON), settings (account names, scopes, overrides) and
//! the built-in pack (`rules/builtin.yaml`, embedded at compile time).

mod file;
mod lint;
mod load;
mod provenance;
mod select;
mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::Value;

use crate::alert::RequestField;
use crate::decide::{Guard, Policy};
use crate::pattern::Parsed;
use crate::severity::Severity;

pub(crate) use file::did_you_mean;
pub use file::{
    ALERT_KEYS, AccountDef, Override, RawDelivery, RawRule, RawScope, RuleFile, RuleTest, TestEvent,
};
pub use lint::{Finding, LintKind, Warning, WarningKind, lint};
pub use load::{load, load_sources, load_sources_selected};
pub use provenance::{EnabledBy, Provenance};
pub use select::{BuiltinSelection, SelectionError};

/// The name under which the built-in pack's rules and errors are reported;
/// its area files are `builtin/<area>.yaml`.
pub const BUILTIN_FILE: &str = "builtin";

/// The built-in rule pack, in the rule-file format: the CIS monitoring controls
/// and network changes first, then one file per area, loaded in this order.
const BUILTIN_SOURCES: &[(&str, &str)] = &[
    (BUILTIN_FILE, include_str!("../rules/builtin.yaml")),
    (
        "builtin/evasion.yaml",
        include_str!("../rules/builtin/evasion.yaml"),
    ),
    (
        "builtin/exposure.yaml",
        include_str!("../rules/builtin/exposure.yaml"),
    ),
    (
        "builtin/identity.yaml",
        include_str!("../rules/builtin/identity.yaml"),
    ),
    (
        "builtin/execution.yaml",
        include_str!("../rules/builtin/execution.yaml"),
    ),
    (
        "builtin/destruction.yaml",
        include_str!("../rules/builtin/destruction.yaml"),
    ),
];

/// The built-in pack's files as `(name, text)`, in load order.
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    BUILTIN_SOURCES
}

/// True for the names under which built-in rules are reported.
pub fn is_builtin_file(name: &str) -> bool {
    name == BUILTIN_FILE || name.starts_with("builtin/")
}

/// One problem in a rule file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", location(.file, *.line), .rule_id.as_ref().map(|id| format!("rule `{id}`: ")).unwrap_or_default())]
pub struct RuleFileError {
    pub file: String,
    /// 1-based line; 0 when the file could not be read at all.
    pub line: usize,
    pub rule_id: Option<String>,
    pub message: String,
}

fn location(file: &str, line: usize) -> String {
    if line == 0 {
        format!("{file}: ")
    } else {
        format!("{file}:{line}: ")
    }
}

/// Parse and check one rule file on its own. Account names used in scopes and
/// override targets are checked by [`load_sources`], which sees every file.
pub fn parse_file(name: &str, text: &str) -> Result<RuleFile, Vec<RuleFileError>> {
    let parsed = file::parse(name, text);
    if parsed.errors.is_empty() {
        Ok(parsed.file)
    } else {
        Err(parsed.errors)
    }
}

/// The one place rule files check an event pattern, so that rule files accept
/// exactly what EventBridge (and our matcher) accepts. `text` is the pattern as
/// JSON with members in the order written, which decides the reason EventBridge
/// reports first. The checked pattern is kept ([`CheckedPattern`]), so it is
/// not parsed again when the rule set is built.
pub(crate) fn validate_pattern(text: &str) -> Result<Parsed, crate::pattern::PatternError> {
    Parsed::parse(text)
}

/// A pattern as a rule file wrote it, and the same pattern checked and
/// compiled.
#[derive(Clone, Debug)]
pub struct CheckedPattern {
    pub value: Value,
    pub parsed: Parsed,
    /// 1-based line where the pattern starts in its file.
    pub line: usize,
}

impl PartialEq for CheckedPattern {
    /// `parsed` follows from `value`.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// The loader's checked patterns, by rule id, so that building the rule set
/// binds them instead of parsing every pattern a second time. An entry is
/// used only while its rule still holds the same pattern, so rules changed or
/// added after loading are simply compiled from their value.
#[derive(Clone, Debug, Default)]
pub struct CheckedPatterns {
    by_rule: HashMap<String, RulePatterns>,
}

#[derive(Clone, Debug, Default)]
struct RulePatterns {
    pattern: Option<CheckedPattern>,
    exclude: Vec<CheckedPattern>,
}

impl CheckedPatterns {
    pub(crate) fn insert(&mut self, rule_id: &str, pattern: CheckedPattern) {
        self.by_rule.entry(rule_id.to_string()).or_default().pattern = Some(pattern);
    }

    pub(crate) fn add_exclude(&mut self, rule_id: &str, exclude: CheckedPattern) {
        self.by_rule
            .entry(rule_id.to_string())
            .or_default()
            .exclude
            .push(exclude);
    }

    /// The checked form of `rule`'s pattern, if it is still `value`.
    pub(crate) fn pattern(&self, rule_id: &str, value: &Value) -> Option<&Parsed> {
        let p = self.by_rule.get(rule_id)?.pattern.as_ref()?;
        (p.value == *value).then_some(&p.parsed)
    }

    /// The checked form of `rule`'s exclude number `index`, if it is still `value`.
    pub(crate) fn exclude(&self, rule_id: &str, index: usize, value: &Value) -> Option<&Parsed> {
        let p = self.by_rule.get(rule_id)?.exclude.get(index)?;
        (p.value == *value).then_some(&p.parsed)
    }
}

impl PartialEq for CheckedPatterns {
    /// A cache: it never changes what the rules mean.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

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
    /// What the alert shows under "Request"; empty: the generic fallback.
    pub fields: Vec<RequestField>,
    /// Short lower-case words that group rules (`cis`, `evasion`).
    pub tags: Vec<String>,
    pub scope: Scope,
    pub origin: Origin,
    /// Shadow mode, dedup or threshold; the default sends every match.
    pub delivery: Policy,
    /// Which file and line set what, where overrides or a selection changed it.
    pub provenance: Provenance,
}

/// Settings carried by rule files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// Account name → account ids, e.g. `prod: ["111122223333"]`.
    pub accounts: BTreeMap<String, Vec<String>>,
    /// Destination name → its storm guard (`storm-guard:`).
    pub storm_guards: BTreeMap<String, Guard>,
    /// Where each storm guard is written.
    pub storm_guard_origins: BTreeMap<String, Origin>,
    /// `routes:` of every file, in load order.
    pub routes: Vec<crate::routing::Route>,
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
    /// The patterns as the loader checked them; empty for rules built in code.
    pub checked: CheckedPatterns,
    /// The `tests:` of each rule that has any, with the file they were written in.
    pub tests: Vec<RuleTests>,
}

/// One rule's `tests:`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleTests {
    pub rule_id: String,
    /// The rule file, as named to the loader (test files are relative to it).
    pub file: String,
    pub tests: Vec<RuleTest>,
}

/// Which files to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub files: Vec<PathBuf>,
    /// Which built-in rules are loaded and on; `true.into()` for the default set.
    pub builtin: BuiltinSelection,
}
