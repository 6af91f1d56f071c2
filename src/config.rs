//! The function's configuration, from environment variables.
//!
//! `cloudtrail-alerts render` reads the routing variables
//! ([`ROUTING_VARIABLES`]) through the same parsing ([`routing_from_vars`]),
//! so it previews the deployed routing; hence no AWS crate here.
//!
//! Parsing is pure: it takes the variables as a map, so tests pass their own and
//! nothing deep in the library reads the process environment. Every problem is
//! collected and reported at once, so a broken deployment fails its cold start
//! with one message listing everything to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::aws_ids::{is_account_id, is_region};
use crate::engine::{Engine, EngineError};
use crate::routing::{Destination, Router, UnknownDestination};
use crate::rules::{BuiltinSelection, RuleConfig, RuleFileError, load_sources_selected};
use crate::severity::Severity;

/// Name of the destination built from `ALERT_TOPIC_ARN`.
pub const MAIN_DESTINATION: &str = "alerts";
/// Name of the destination built from `SMS_TOPIC_ARN`.
pub const SMS_DESTINATION: &str = "sms";

/// The variables that decide where alerts go.
pub const ROUTING_VARIABLES: &[&str] = &[
    "ALERT_TOPIC_ARN",
    "ALERT_MIN_SEVERITY",
    "SMS_TOPIC_ARN",
    "SMS_MIN_SEVERITY",
    "EXTRA_DESTINATIONS",
];

/// Everything the function reads from its environment, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LambdaConfig {
    /// Where alerts go, main topic first.
    pub destinations: Vec<Destination>,
    /// The user's rule/config files, in load order.
    pub rule_files: Vec<PathBuf>,
    /// Account name → account ids, merged over the rule files' `settings.accounts`.
    pub account_names: BTreeMap<String, Vec<String>>,
    /// Rule ids to disable.
    pub disabled_rules: Vec<String>,
    /// Whether the built-in rule pack is loaded.
    /// Which built-in rules are on (`BUILTIN_RULES`).
    pub builtin_rules: BuiltinSelection,
    /// The DynamoDB table of dedup windows (`STATE_TABLE`); unset: no state,
    /// every match is published.
    pub state_table: Option<String>,
}

/// Every problem found in the configuration or the rules.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

/// One problem in the configuration or the rules.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// An environment variable that is missing, malformed or at odds with another.
    #[error("{message}")]
    Variable {
        variable: &'static str,
        message: String,
    },
    /// A file named by `RULES_FILES` that cannot be read.
    #[error("RULES_FILES: cannot read {}: {error}", .path.display())]
    UnreadableRuleFile { path: PathBuf, error: String },
    /// A problem in a rule file.
    #[error(transparent)]
    RuleFile(#[from] RuleFileError),
    /// Rules that loaded but did not compile.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// One account id given two names (rule files and `ACCOUNT_NAMES` together).
    #[error(
        "account {account} has two names, {first:?} and {second:?} (rule files and ACCOUNT_NAMES together)"
    )]
    AccountNamedTwice {
        account: String,
        first: String,
        second: String,
    },
    #[error("DISABLED_RULES names an unknown rule {rule_id:?}")]
    UnknownDisabledRule { rule_id: String },
    /// A rule file's `routes:` or `storm-guard:` names a destination the
    /// function does not have.
    #[error(transparent)]
    UnknownDestination(#[from] UnknownDestination),
    /// Every rule loaded is disabled, or none loaded: the function would never alert.
    #[error("{}", match .loaded {
        0 => "no rules loaded: the function would never alert".to_string(),
        n => format!("no enabled rules ({n} loaded, all disabled): the function would never alert"),
    })]
    NoEnabledRules { loaded: usize },
}

fn var(variable: &'static str, message: String) -> ConfigProblem {
    ConfigProblem::Variable { variable, message }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid configuration ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    fn from_problems(problems: Vec<ConfigProblem>) -> Result<(), ConfigError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// An environment variable's value, with empty or blank values treated as
/// unset: deployment templates commonly pass `""` for optional parameters.
fn get<'a>(vars: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn var_map<I, K, V>(vars: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    vars.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

fn comma_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl LambdaConfig {
    /// Parse and validate the configuration from environment variables.
    pub fn from_vars<I, K, V>(vars: I) -> Result<LambdaConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = var_map(vars);
        let mut problems = Vec::new();
        let destinations = destinations(&vars, &mut problems);

        let task_root = get(&vars, "LAMBDA_TASK_ROOT").map(Path::new);
        let rule_files: Vec<PathBuf> = get(&vars, "RULES_FILES")
            .map(|v| {
                comma_list(v)
                    .map(|p| resolve_path(Path::new(p), task_root))
                    .collect()
            })
            .unwrap_or_default();

        let account_names = match get(&vars, "ACCOUNT_NAMES") {
            Some(v) => parse_account_names(v, &mut problems),
            None => BTreeMap::new(),
        };

        let disabled_rules = get(&vars, "DISABLED_RULES")
            .map(|v| comma_list(v).map(str::to_string).collect())
            .unwrap_or_default();

        let builtin_rules = match get(&vars, "BUILTIN_RULES") {
            None => BuiltinSelection::Default,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "1" | "yes" => BuiltinSelection::Default,
                "0" | "no" => BuiltinSelection::None,
                _ => v.parse().unwrap_or_else(|_| {
                    problems.push(var(
                        "BUILTIN_RULES",
                        format!(
                            "BUILTIN_RULES {v:?}: expected default (or true), all, none (or false), \
                             or a comma-separated list of built-in rule ids and tags"
                        ),
                    ));
                    BuiltinSelection::Default
                }),
            },
        };
        if !builtin_rules.loads_builtin() && rule_files.is_empty() {
            problems.push(var(
                "BUILTIN_RULES",
                "BUILTIN_RULES is false and RULES_FILES is empty: there would be no rules to evaluate"
                    .to_string(),
            ));
        }

        ConfigError::from_problems(problems)?;
        Ok(LambdaConfig {
            destinations,
            rule_files,
            account_names,
            disabled_rules,
            builtin_rules,
            state_table: get(&vars, "STATE_TABLE").map(str::to_string),
        })
    }

    /// The routing decision over [`LambdaConfig::destinations`], by
    /// severity; [`Router::with_rules`] adds the rule files' routes and
    /// storm guards.
    pub fn router(&self) -> Router {
        Router::new(self.destinations.clone())
    }

    /// Apply the environment's disabled rules to the loaded rules, and refuse
    /// an account with two names or a rule set that would never alert.
    pub fn apply(&self, config: &mut RuleConfig) -> Result<(), ConfigError> {
        let mut problems = Vec::new();

        let mut named: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, ids) in &config.settings.accounts {
            for id in ids {
                if let Some(other) = named.insert(id, name) {
                    problems.push(ConfigProblem::AccountNamedTwice {
                        account: id.clone(),
                        first: other.to_string(),
                        second: name.clone(),
                    });
                }
            }
        }

        for id in &self.disabled_rules {
            let mut found = false;
            for rule in config.rules.iter_mut().filter(|r| &r.id == id) {
                rule.enabled = false;
                rule.provenance.enabled =
                    crate::rules::EnabledBy::Setting("DISABLED_RULES".to_string());
                found = true;
            }
            if !found {
                problems.push(ConfigProblem::UnknownDisabledRule {
                    rule_id: id.clone(),
                });
            }
        }
        problems.extend(
            self.router()
                .with_rules(config)
                .unknown_destinations()
                .into_iter()
                .map(ConfigProblem::UnknownDestination),
        );

        if problems.is_empty() && !config.rules.iter().any(|r| r.enabled) {
            problems.push(ConfigProblem::NoEnabledRules {
                loaded: config.rules.len(),
            });
        }
        ConfigError::from_problems(problems)
    }
}

/// Read the rule files, load them (after the built-in pack unless disabled),
/// apply the environment's settings and compile the rules. Every problem of
/// every file is reported together.
pub fn load_engine(config: &LambdaConfig) -> Result<Engine, ConfigError> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    // The environment's account names load as a rule file of their own, first,
    // so scopes in the user's files may use them and the loader reports a
    // name defined differently in two places.
    if !config.account_names.is_empty() {
        let accounts = serde_json::json!({ "accounts": config.account_names });
        sources.push(("ACCOUNT_NAMES".to_string(), accounts.to_string()));
    }
    for path in &config.rule_files {
        match std::fs::read_to_string(path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(e) => problems.push(ConfigProblem::UnreadableRuleFile {
                path: path.clone(),
                error: e.to_string(),
            }),
        }
    }
    let loaded = load_sources_selected(&sources, &config.builtin_rules);
    let mut rules = match loaded {
        Ok(rules) if problems.is_empty() => rules,
        Ok(_) => return Err(ConfigError { problems }),
        Err(errors) => {
            problems.extend(errors.into_iter().map(ConfigProblem::RuleFile));
            return Err(ConfigError { problems });
        }
    };
    config.apply(&mut rules)?;
    Engine::from_config(rules).map_err(|e| ConfigError {
        problems: vec![ConfigProblem::Engine(e)],
    })
}

/// The destinations named by [`ROUTING_VARIABLES`], main topic first.
fn destinations(
    vars: &BTreeMap<String, String>,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<Destination> {
    let mut destinations = Vec::new();

    let main_min = severity_var(vars, "ALERT_MIN_SEVERITY", Severity::Info, problems);
    match get(vars, "ALERT_TOPIC_ARN") {
        None => problems.push(var(
            "ALERT_TOPIC_ARN",
            "ALERT_TOPIC_ARN is required: the ARN of the SNS topic alerts are published to"
                .to_string(),
        )),
        Some(arn) => {
            if let Err(why) = check_topic_arn(arn) {
                problems.push(var(
                    "ALERT_TOPIC_ARN",
                    format!("ALERT_TOPIC_ARN {arn:?}: {why}"),
                ));
            }
            destinations.push(Destination {
                name: MAIN_DESTINATION.to_string(),
                topic_arn: arn.to_string(),
                min_severity: main_min,
            });
        }
    }

    let sms_min = severity_var(vars, "SMS_MIN_SEVERITY", Severity::Critical, problems);
    match get(vars, "SMS_TOPIC_ARN") {
        Some(arn) => {
            if let Err(why) = check_topic_arn(arn) {
                problems.push(var(
                    "SMS_TOPIC_ARN",
                    format!("SMS_TOPIC_ARN {arn:?}: {why}"),
                ));
            }
            destinations.push(Destination {
                name: SMS_DESTINATION.to_string(),
                topic_arn: arn.to_string(),
                min_severity: sms_min,
            });
        }
        None if get(vars, "SMS_MIN_SEVERITY").is_some() => problems.push(var(
            "SMS_MIN_SEVERITY",
            "SMS_MIN_SEVERITY is set but SMS_TOPIC_ARN is not: set both or neither".to_string(),
        )),
        None => {}
    }

    if let Some(extra) = get(vars, "EXTRA_DESTINATIONS") {
        for entry in comma_list(extra) {
            match parse_destination(entry) {
                Ok(dest) => destinations.push(dest),
                Err(why) => problems.push(var(
                    "EXTRA_DESTINATIONS",
                    format!("EXTRA_DESTINATIONS entry {entry:?}: {why}"),
                )),
            }
        }
    }
    let mut seen = BTreeSet::new();
    for dest in &destinations {
        if !seen.insert(dest.name.as_str()) {
            problems.push(var(
                "EXTRA_DESTINATIONS",
                format!(
                    "destination name {:?} is used twice (\"{MAIN_DESTINATION}\" and \"{SMS_DESTINATION}\" are taken by ALERT_TOPIC_ARN and SMS_TOPIC_ARN)",
                    dest.name
                ),
            ));
        }
    }
    destinations
}

/// The routing the function would use with these variables (only
/// [`ROUTING_VARIABLES`] are read), checked as the function checks them.
pub fn routing_from_vars(
    vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) -> Result<Router, ConfigError> {
    let mut problems = Vec::new();
    let destinations = destinations(&var_map(vars), &mut problems);
    ConfigError::from_problems(problems)?;
    Ok(Router::new(destinations))
}

fn severity_var(
    vars: &BTreeMap<String, String>,
    name: &'static str,
    default: Severity,
    problems: &mut Vec<ConfigProblem>,
) -> Severity {
    match get(vars, name) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|e| {
            problems.push(var(name, format!("{name}: {e}")));
            default
        }),
    }
}

fn resolve_path(path: &Path, task_root: Option<&Path>) -> PathBuf {
    match task_root {
        Some(root) if path.is_relative() => root.join(path),
        _ => path.to_path_buf(),
    }
}

/// `name=arn` or `name=arn@severity`.
fn parse_destination(entry: &str) -> Result<Destination, String> {
    let (name, rest) = entry
        .split_once('=')
        .ok_or("expected name=topic-arn@min-severity")?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "destination name {name:?} must be letters, digits, - or _"
        ));
    }
    let (arn, severity) = match rest.rsplit_once('@') {
        Some((arn, sev)) => (arn.trim(), sev.parse().map_err(|e| format!("{e}"))?),
        None => (rest.trim(), Severity::Info),
    };
    check_topic_arn(arn).map_err(|why| format!("topic ARN {arn:?}: {why}"))?;
    Ok(Destination {
        name: name.to_string(),
        topic_arn: arn.to_string(),
        min_severity: severity,
    })
}

/// `prod=111122223333|444455556666,dev=777788889999`.
fn parse_account_names(
    value: &str,
    problems: &mut Vec<ConfigProblem>,
) -> BTreeMap<String, Vec<String>> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in comma_list(value) {
        let Some((name, ids)) = entry.split_once('=') else {
            problems.push(var(
                "ACCOUNT_NAMES",
                format!("ACCOUNT_NAMES entry {entry:?}: expected name=account-id|account-id"),
            ));
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            problems.push(var(
                "ACCOUNT_NAMES",
                format!("ACCOUNT_NAMES entry {entry:?}: empty name"),
            ));
            continue;
        }
        let mut list = Vec::new();
        for id in ids.split('|').map(str::trim) {
            if is_account_id(id) {
                list.push(id.to_string());
            } else {
                problems.push(var(
                    "ACCOUNT_NAMES",
                    format!("ACCOUNT_NAMES entry {entry:?}: {id:?} is not a 12-digit account id"),
                ));
            }
        }
        if names.insert(name.to_string(), list).is_some() {
            problems.push(var(
                "ACCOUNT_NAMES",
                format!("ACCOUNT_NAMES names {name:?} twice"),
            ));
        }
    }
    names
}

/// A standard SNS topic ARN: `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let [prefix, partition, service, region, account, name] = parts[..] else {
        return Err("expected arn:aws:sns:REGION:ACCOUNT_ID:TOPIC_NAME".to_string());
    };
    if prefix != "arn" || !partition.starts_with("aws") || service != "sns" {
        return Err("expected arn:aws:sns:REGION:ACCOUNT_ID:TOPIC_NAME".to_string());
    }
    if !is_region(region) {
        return Err(format!("invalid region {region:?}"));
    }
    if !is_account_id(account) {
        return Err(format!("{account:?} is not a 12-digit account id"));
    }
    if name.ends_with(".fifo") {
        return Err(
            "FIFO topics are not supported: email and SMS subscribers need a standard topic"
                .to_string(),
        );
    }
    if name.is_empty()
        || name.len() > 256
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "invalid topic name {name:?} (1-256 letters, digits, - or _)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
