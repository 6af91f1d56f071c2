//! The function's configuration as deployments write it, and the mistakes
//! people make in it.

use super::*;
use crate::rules::Rule;

const MAIN: &str = "arn:aws:sns:us-east-1:111122223333:alerts";
const SMS: &str = "arn:aws:sns:us-east-1:111122223333:alerts-sms";

fn parse(vars: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
    LambdaConfig::from_vars(vars.iter().copied())
}

fn rule(id: &str) -> Rule {
    let mut rule = crate::testing::rule(id, serde_json::json!({"source": ["aws.iam"]}));
    rule.origin.file = "builtin".to_string();
    rule
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
    assert_eq!(cfg.builtin_rules, BuiltinSelection::Default);
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
    assert_eq!(cfg.builtin_rules, BuiltinSelection::Default);
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = parse(&[
        ("ALERT_MIN_SEVERITY", "urgent"),
        ("SMS_TOPIC_ARN", "arn:aws:sqs:us-east-1:111122223333:q"),
        ("EXTRA_DESTINATIONS", "chat"),
        ("ACCOUNT_NAMES", "prod=1234"),
        ("BUILTIN_RULES", "maybe?"),
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
        "BUILTIN_RULES \"maybe?\"",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(text.starts_with("invalid configuration (6 problems):\n  - "));
    let variables: Vec<&str> = err
        .problems
        .iter()
        .filter_map(|p| match p {
            ConfigProblem::Variable { variable, .. } => Some(*variable),
            _ => None,
        })
        .collect();
    assert_eq!(
        variables,
        [
            "ALERT_MIN_SEVERITY",
            "ALERT_TOPIC_ARN",
            "SMS_TOPIC_ARN",
            "EXTRA_DESTINATIONS",
            "ACCOUNT_NAMES",
            "BUILTIN_RULES"
        ]
    );
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
    assert_eq!(cfg.builtin_rules, BuiltinSelection::None);
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
        ..RuleConfig::default()
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
        ..RuleConfig::default()
    };
    let err = cfg.apply(&mut rc).unwrap_err();
    assert_eq!(
        err.problems,
        vec![ConfigProblem::UnknownDisabledRule {
            rule_id: "nope".into()
        }]
    );
    assert_eq!(
        err.problems[0].to_string(),
        "DISABLED_RULES names an unknown rule \"nope\""
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
        ..RuleConfig::default()
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
    assert!(err.problems.iter().any(|p| matches!(p,
        ConfigProblem::UnreadableRuleFile { path, .. } if path.display().to_string() == missing)));
    let in_bad: Vec<(usize, Option<&str>)> = err
        .problems
        .iter()
        .filter_map(|p| match p {
            ConfigProblem::RuleFile(e) if e.file == bad => Some((e.line, e.rule_id.as_deref())),
            _ => None,
        })
        .collect();
    assert!(in_bad.contains(&(2, Some("Not_Kebab"))), "{in_bad:?}");
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
        vec![ConfigProblem::UnknownDisabledRule {
            rule_id: "no-such-rule".into()
        }]
    );
    assert_eq!(
        err.problems[0].to_string(),
        "DISABLED_RULES names an unknown rule \"no-such-rule\""
    );
}

#[test]
fn topic_arns_name_a_real_region_shape() {
    assert!(check_topic_arn("arn:aws-us-gov:sns:us-gov-west-1:111122223333:alerts").is_ok());
    assert!(check_topic_arn("arn:aws:sns:il-central-1:111122223333:alerts").is_ok());
    for region in ["useast1", "us-east-1x", "-1", "US-EAST-1", "us--1"] {
        let arn = format!("arn:aws:sns:{region}:111122223333:alerts");
        assert_eq!(
            check_topic_arn(&arn),
            Err(format!("invalid region {region:?}")),
            "{arn}"
        );
    }
}

#[test]
fn a_route_to_a_destination_the_function_lacks_fails_the_cold_start_with_its_line() {
    let cfg = parse(&[("ALERT_TOPIC_ARN", MAIN), ("SMS_TOPIC_ARN", SMS)]).unwrap();
    let text = "rules:\n  - id: org-change\n    title: R\n    severity: high\n    pattern: {source: [aws.organizations]}\nroutes:\n  - match: {rule: [org-change]}\n    to: [platform, alerts]\nstorm-guard:\n  pager: {max: 5, per: 1h}\n";
    let mut rules =
        crate::rules::load_sources(&[("team.yaml".into(), text.into())], false).unwrap();
    let problems: Vec<String> = cfg
        .apply(&mut rules)
        .unwrap_err()
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "team.yaml:7: a route names destination `platform`, which is not configured (destinations: alerts, sms)",
            "team.yaml:10: storm-guard names destination `pager`, which is not configured (destinations: alerts, sms)",
        ]
    );
}
