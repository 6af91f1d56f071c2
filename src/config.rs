//! The function's configuration, from environment variables.
//!
//! Parsing is pure: it takes the variables as a map, so tests pass their own and
//! nothing deep in the library reads the process environment. Every problem is
//! collected and reported at once, so a broken deployment fails its cold start
//! with one message listing everything to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::render::Destination;
use crate::rules::{RuleConfig, load_sources};
use crate::severity::Severity;

/// Name of the destination built from `ALERT_TOPIC_ARN`.
pub const MAIN_DESTINATION: &str = "alerts";
/// Name of the destination built from `SMS_TOPIC_ARN`.
pub const SMS_DESTINATION: &str = "sms";

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
    pub builtin_rules: bool,
    /// The DynamoDB table of dedup windows (`STATE_TABLE`); unset: no state,
    /// every match is published.
    pub state_table: Option<String>,
}

/// Every problem found in the configuration or the rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<String>,
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
    fn from_problems(problems: Vec<String>) -> Result<(), ConfigError> {
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
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let mut problems = Vec::new();
        let mut destinations = Vec::new();

        let main_min = severity_var(&vars, "ALERT_MIN_SEVERITY", Severity::Info, &mut problems);
        match get(&vars, "ALERT_TOPIC_ARN") {
            None => problems.push(
                "ALERT_TOPIC_ARN is required: the ARN of the SNS topic alerts are published to"
                    .to_string(),
            ),
            Some(arn) => {
                if let Err(why) = check_topic_arn(arn) {
                    problems.push(format!("ALERT_TOPIC_ARN {arn:?}: {why}"));
                }
                destinations.push(Destination {
                    name: MAIN_DESTINATION.to_string(),
                    topic_arn: arn.to_string(),
                    min_severity: main_min,
                });
            }
        }

        let sms_min = severity_var(&vars, "SMS_MIN_SEVERITY", Severity::Critical, &mut problems);
        match get(&vars, "SMS_TOPIC_ARN") {
            Some(arn) => {
                if let Err(why) = check_topic_arn(arn) {
                    problems.push(format!("SMS_TOPIC_ARN {arn:?}: {why}"));
                }
                destinations.push(Destination {
                    name: SMS_DESTINATION.to_string(),
                    topic_arn: arn.to_string(),
                    min_severity: sms_min,
                });
            }
            None if get(&vars, "SMS_MIN_SEVERITY").is_some() => problems.push(
                "SMS_MIN_SEVERITY is set but SMS_TOPIC_ARN is not: set both or neither".to_string(),
            ),
            None => {}
        }

        if let Some(extra) = get(&vars, "EXTRA_DESTINATIONS") {
            for entry in comma_list(extra) {
                match parse_destination(entry) {
                    Ok(dest) => destinations.push(dest),
                    Err(why) => problems.push(format!("EXTRA_DESTINATIONS entry {entry:?}: {why}")),
                }
            }
        }
        let mut seen = BTreeSet::new();
        for dest in &destinations {
            if !seen.insert(dest.name.as_str()) {
                problems.push(format!(
                    "destination name {:?} is used twice (\"{MAIN_DESTINATION}\" and \"{SMS_DESTINATION}\" are taken by ALERT_TOPIC_ARN and SMS_TOPIC_ARN)",
                    dest.name
                ));
            }
        }

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
            None => true,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    problems.push(format!("BUILTIN_RULES {v:?}: expected true or false"));
                    true
                }
            },
        };
        if !builtin_rules && rule_files.is_empty() {
            problems.push(
                "BUILTIN_RULES is false and RULES_FILES is empty: there would be no rules to evaluate"
                    .to_string(),
            );
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

    /// Apply the environment's disabled rules to the loaded rules, and refuse
    /// an account with two names or a rule set that would never alert.
    pub fn apply(&self, config: &mut RuleConfig) -> Result<(), ConfigError> {
        let mut problems = Vec::new();

        let mut named: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, ids) in &config.settings.accounts {
            for id in ids {
                if let Some(other) = named.insert(id, name) {
                    problems.push(format!(
                        "account {id} has two names, {other:?} and {name:?} (rule files and ACCOUNT_NAMES together)"
                    ));
                }
            }
        }

        for id in &self.disabled_rules {
            let mut found = false;
            for rule in config.rules.iter_mut().filter(|r| &r.id == id) {
                rule.enabled = false;
                found = true;
            }
            if !found {
                problems.push(format!("DISABLED_RULES names an unknown rule {id:?}"));
            }
        }
        for name in config.settings.storm_guards.keys() {
            if !self.destinations.iter().any(|d| &d.name == name) {
                let known: Vec<&str> = self.destinations.iter().map(|d| d.name.as_str()).collect();
                problems.push(format!(
                    "storm-guard names destination {name:?}, which is not configured (destinations: {})",
                    known.join(", ")
                ));
            }
        }

        if problems.is_empty() && !config.rules.iter().any(|r| r.enabled) {
            problems.push(match config.rules.len() {
                0 => "no rules loaded: the function would never alert".to_string(),
                n => format!(
                    "no enabled rules ({n} loaded, all disabled): the function would never alert"
                ),
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
            Err(e) => problems.push(format!("RULES_FILES: cannot read {}: {e}", path.display())),
        }
    }
    let loaded = load_sources(&sources, config.builtin_rules);
    let mut rules = match loaded {
        Ok(rules) if problems.is_empty() => rules,
        Ok(_) => return Err(ConfigError { problems }),
        Err(errors) => {
            problems.extend(errors.iter().map(ToString::to_string));
            return Err(ConfigError { problems });
        }
    };
    config.apply(&mut rules)?;
    Engine::from_config(rules).map_err(|e| ConfigError {
        problems: vec![e.to_string()],
    })
}

fn severity_var(
    vars: &BTreeMap<String, String>,
    name: &str,
    default: Severity,
    problems: &mut Vec<String>,
) -> Severity {
    match get(vars, name) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|e| {
            problems.push(format!("{name}: {e}"));
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
fn parse_account_names(value: &str, problems: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in comma_list(value) {
        let Some((name, ids)) = entry.split_once('=') else {
            problems.push(format!(
                "ACCOUNT_NAMES entry {entry:?}: expected name=account-id|account-id"
            ));
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            problems.push(format!("ACCOUNT_NAMES entry {entry:?}: empty name"));
            continue;
        }
        let mut list = Vec::new();
        for id in ids.split('|').map(str::trim) {
            if is_account_id(id) {
                list.push(id.to_string());
            } else {
                problems.push(format!(
                    "ACCOUNT_NAMES entry {entry:?}: {id:?} is not a 12-digit account id"
                ));
            }
        }
        if names.insert(name.to_string(), list).is_some() {
            problems.push(format!("ACCOUNT_NAMES names {name:?} twice"));
        }
    }
    names
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
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
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
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
mod tests {
    use super::*;
    use crate::rules::{Origin, Rule, Scope, Settings};

    const MAIN: &str = "arn:aws:sns:us-east-1:111122223333:alerts";
    const SMS: &str = "arn:aws:sns:us-east-1:111122223333:alerts-sms";

    fn parse(vars: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
        LambdaConfig::from_vars(vars.iter().copied())
    }

    fn rule(id: &str) -> Rule {
        Rule {
            id: id.to_string(),
            title: id.to_string(),
            description: String::new(),
            severity: Severity::High,
            pattern: serde_json::json!({"source": ["aws.iam"]}),
            exclude: vec![],
            runbook: None,
            enabled: true,
            references: vec![],
            fields: vec![],
            tags: vec![],
            scope: Scope::default(),
            origin: Origin {
                file: "builtin".to_string(),
                line: 1,
            },
            delivery: Default::default(),
        }
    }

    #[test]
    fn only_the_main_topic_sends_every_severity_there() {
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN)]).unwrap();
        assert_eq!(
            cfg.destinations,
            vec![Destination {
                name: "alerts".into(),
                topic_arn: MAIN.into(),
                min_severity: Severity::Info
            }]
        );
        assert!(cfg.builtin_rules);
        assert!(cfg.rule_files.is_empty());
        assert!(cfg.disabled_rules.is_empty());
    }

    #[test]
    fn sms_topic_defaults_to_critical_and_extra_destinations_parse() {
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("ALERT_MIN_SEVERITY", "low"),
            ("SMS_TOPIC_ARN", SMS),
            (
                "EXTRA_DESTINATIONS",
                " chat=arn:aws:sns:eu-west-1:444455556666:chat@high , soc=arn:aws-us-gov:sns:us-gov-west-1:444455556666:soc",
            ),
        ])
        .unwrap();
        let got: Vec<(&str, &str, Severity)> = cfg
            .destinations
            .iter()
            .map(|d| (d.name.as_str(), d.topic_arn.as_str(), d.min_severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("alerts", MAIN, Severity::Low),
                ("sms", SMS, Severity::Critical),
                (
                    "chat",
                    "arn:aws:sns:eu-west-1:444455556666:chat",
                    Severity::High
                ),
                (
                    "soc",
                    "arn:aws-us-gov:sns:us-gov-west-1:444455556666:soc",
                    Severity::Info
                ),
            ]
        );
    }

    #[test]
    fn blank_optional_variables_count_as_unset() {
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("SMS_TOPIC_ARN", ""),
            ("EXTRA_DESTINATIONS", " "),
            ("RULES_FILES", ""),
            ("BUILTIN_RULES", ""),
        ])
        .unwrap();
        assert_eq!(cfg.destinations.len(), 1);
        assert!(cfg.builtin_rules);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = parse(&[
            ("ALERT_MIN_SEVERITY", "urgent"),
            ("SMS_TOPIC_ARN", "arn:aws:sqs:us-east-1:111122223333:q"),
            ("EXTRA_DESTINATIONS", "chat"),
            ("ACCOUNT_NAMES", "prod=1234"),
            ("BUILTIN_RULES", "maybe"),
        ])
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems.len(), 6, "{text}");
        for needle in [
            "ALERT_TOPIC_ARN is required",
            "ALERT_MIN_SEVERITY: unknown severity \"urgent\"",
            "SMS_TOPIC_ARN",
            "EXTRA_DESTINATIONS entry \"chat\"",
            "\"1234\" is not a 12-digit account id",
            "BUILTIN_RULES \"maybe\"",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert!(text.starts_with("invalid configuration (6 problems):\n  - "));
    }

    #[test]
    fn topic_arns_are_checked() {
        assert!(check_topic_arn(MAIN).is_ok());
        assert!(check_topic_arn("arn:aws-cn:sns:cn-north-1:111122223333:a_b-1").is_ok());
        for bad in [
            "",
            "alerts",
            "arn:aws:sns:us-east-1:111122223333",
            "arn:aws:sns:us-east-1:11112222333:alerts",
            "arn:aws:sns:us-east-1:111122223333:alerts.fifo",
            "arn:aws:sns:us-east-1:111122223333:al erts",
            "arn:aws:sns::111122223333:alerts",
            "arn:aws:s3:us-east-1:111122223333:alerts",
        ] {
            assert!(check_topic_arn(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn duplicate_destination_names_are_refused() {
        let err = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("EXTRA_DESTINATIONS", &format!("alerts={SMS}")),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("\"alerts\" is used twice"),
            "{err}"
        );
    }

    #[test]
    fn sms_severity_without_topic_is_a_mistake() {
        let err = parse(&[("ALERT_TOPIC_ARN", MAIN), ("SMS_MIN_SEVERITY", "high")]).unwrap_err();
        assert!(err.to_string().contains("SMS_TOPIC_ARN is not"), "{err}");
    }

    #[test]
    fn relative_rule_files_resolve_against_the_task_root() {
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("RULES_FILES", "rules.yaml, /opt/rules/extra.yaml"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("BUILTIN_RULES", "false"),
        ])
        .unwrap();
        assert_eq!(
            cfg.rule_files,
            vec![
                PathBuf::from("/var/task/rules.yaml"),
                PathBuf::from("/opt/rules/extra.yaml")
            ]
        );
        assert!(!cfg.builtin_rules);
    }

    #[test]
    fn no_builtin_and_no_files_is_refused() {
        let err = parse(&[("ALERT_TOPIC_ARN", MAIN), ("BUILTIN_RULES", "false")]).unwrap_err();
        assert!(err.to_string().contains("no rules"), "{err}");
    }

    #[test]
    fn apply_disables_rules() {
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN), ("DISABLED_RULES", "b")]).unwrap();
        let mut rc = RuleConfig {
            rules: vec![rule("a"), rule("b")],
            settings: Settings::default(),
        };
        cfg.apply(&mut rc).unwrap();
        assert!(rc.rules[0].enabled);
        assert!(!rc.rules[1].enabled);
    }

    #[test]
    fn apply_refuses_unknown_rules_and_an_empty_rule_set() {
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN), ("DISABLED_RULES", "a,nope")]).unwrap();
        let mut rc = RuleConfig {
            rules: vec![rule("a")],
            settings: Settings::default(),
        };
        let err = cfg.apply(&mut rc).unwrap_err();
        assert_eq!(
            err.problems,
            vec!["DISABLED_RULES names an unknown rule \"nope\"".to_string()]
        );

        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN), ("DISABLED_RULES", "a")]).unwrap();
        let err = cfg.apply(&mut rc.clone()).unwrap_err();
        assert!(err.to_string().contains("no enabled rules"), "{err}");
    }

    #[test]
    fn an_account_with_two_names_is_refused() {
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN)]).unwrap();
        let mut rc = RuleConfig {
            rules: vec![rule("a")],
            settings: Settings::default(),
        };
        for name in ["prod", "production"] {
            rc.settings
                .accounts
                .insert(name.into(), vec!["111122223333".into()]);
        }
        let err = cfg.apply(&mut rc).unwrap_err();
        assert!(err.to_string().contains("two names"), "{err}");
    }

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    const USER_RULES: &str = r#"
rules:
  - id: prod-only-login
    title: Console sign-in on production
    severity: high
    description: Someone signed in to a production account.
    scope:
      accounts: [prod]
    pattern:
      source: [aws.signin]
"#;

    #[test]
    fn account_names_from_the_environment_can_be_used_by_rule_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "rules.yaml", USER_RULES);
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("RULES_FILES", &file),
            (
                "ACCOUNT_NAMES",
                "prod=111122223333|444455556666,dev=777788889999",
            ),
            ("BUILTIN_RULES", "false"),
        ])
        .unwrap();
        let engine = load_engine(&cfg).unwrap();
        let rules = &engine.config().rules;
        assert_eq!(rules.len(), 1);
        assert_eq!(
            rules[0].scope.accounts,
            vec!["111122223333".to_string(), "444455556666".to_string()]
        );
        let settings = &engine.config().settings;
        assert_eq!(settings.account_name("777788889999"), Some("dev"));
    }

    #[test]
    fn the_builtin_pack_loads_and_rules_can_be_disabled() {
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN)]).unwrap();
        let all = load_engine(&cfg).unwrap().config().rules.len();
        assert!(all > 10, "built-in pack has {all} rules");
        let first = load_engine(&cfg).unwrap().config().rules[0].id.clone();
        let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN), ("DISABLED_RULES", &first)]).unwrap();
        let engine = load_engine(&cfg).unwrap();
        let disabled: Vec<&str> = engine
            .config()
            .rules
            .iter()
            .filter(|r| !r.enabled)
            .map(|r| r.id.as_str())
            .collect();
        assert!(disabled.contains(&first.as_str()));
    }

    #[test]
    fn every_rule_problem_fails_loading_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad = write(
            dir.path(),
            "bad.yaml",
            "rules:\n  - id: Not_Kebab\n    title: x\n    severity: urgent\n    pattern: {source: [aws.iam]}\n",
        );
        let missing = dir.path().join("missing.yaml").display().to_string();
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("RULES_FILES", &format!("{bad},{missing}")),
        ])
        .unwrap();
        let err = load_engine(&cfg).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("RULES_FILES: cannot read {missing}")),
            "{text}"
        );
        assert!(text.contains(&format!("{bad}:")), "{text}");
        assert!(err.problems.len() >= 2, "{text}");
    }

    #[test]
    fn unknown_disabled_rules_fail_loading() {
        let cfg = parse(&[
            ("ALERT_TOPIC_ARN", MAIN),
            ("DISABLED_RULES", "no-such-rule"),
        ])
        .unwrap();
        let err = load_engine(&cfg).unwrap_err();
        assert_eq!(
            err.problems,
            vec!["DISABLED_RULES names an unknown rule \"no-such-rule\"".to_string()]
        );
    }
}
