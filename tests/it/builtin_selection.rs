//! Choosing built-in rules: `--builtin` / `BUILTIN_RULES` take `default`,
//! `all`, `none`, or ids and tags; an override can still turn a rule on or off.

use std::collections::BTreeSet;

use cloudtrail_alerts::rules::{self, BuiltinSelection, LoadOptions, RuleConfig};

use crate::support::cli::{run, write};

fn load(selection: &str) -> RuleConfig {
    let builtin: BuiltinSelection = selection.parse().expect("selection parses");
    rules::load(&LoadOptions {
        files: Vec::new(),
        builtin,
    })
    .unwrap_or_else(|e| panic!("{selection}: {e:?}"))
}

fn enabled(config: &RuleConfig) -> BTreeSet<String> {
    config
        .rules
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.id.clone())
        .collect()
}

#[test]
fn default_is_the_declared_set_and_all_adds_the_opt_in_rules() {
    let default = load("default");
    let opt_in: BTreeSet<String> = default
        .rules
        .iter()
        .filter(|r| r.tags.iter().any(|t| t == "opt-in"))
        .map(|r| r.id.clone())
        .collect();
    assert!(opt_in.len() >= 5, "{opt_in:?}");
    assert!(opt_in.is_disjoint(&enabled(&default)));
    assert_eq!(enabled(&load("true")), enabled(&default));
    let all = load("all");
    assert_eq!(enabled(&all).len(), all.rules.len());
    assert!(load("none").rules.is_empty());
    assert!(load("false").rules.is_empty());
}

#[test]
fn ids_and_tags_add_to_or_replace_the_default_set() {
    let default = enabled(&load("default"));
    let with_ssm = enabled(&load("default,ssm-send-command"));
    assert_eq!(
        with_ssm.difference(&default).collect::<Vec<_>>(),
        ["ssm-send-command"]
    );

    let tagged = load("credential-access");
    let expected: BTreeSet<String> = tagged
        .rules
        .iter()
        .filter(|r| r.tags.iter().any(|t| t == "credential-access"))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        expected.contains("secretsmanager-get-secret-value"),
        "{expected:?}"
    );
    assert_eq!(enabled(&tagged), expected);
}

#[test]
fn an_unknown_name_is_an_error_with_a_suggestion() {
    let err = rules::load(&LoadOptions {
        files: Vec::new(),
        builtin: "default,ssm-send-comand".parse().expect("parses"),
    })
    .expect_err("unknown id");
    assert_eq!(err.len(), 1, "{err:?}");
    let text = err[0].to_string();
    assert!(text.contains("names `ssm-send-comand`"), "{text}");
    assert!(text.contains("did you mean `ssm-send-command`?"), "{text}");
}

#[test]
fn an_override_enables_an_opt_in_rule_and_wins_over_the_selection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "config.yaml",
        b"overrides:\n  ssm-start-session:\n    enabled: true\n  ssm-send-command:\n    enabled: false\n",
    );
    let config = rules::load(&LoadOptions {
        files: vec![file.into()],
        builtin: "default,ssm-send-command".parse().expect("parses"),
    })
    .expect("loads");
    let on = enabled(&config);
    assert!(on.contains("ssm-start-session"));
    assert!(!on.contains("ssm-send-command"));
}

#[test]
fn the_cli_takes_a_selection() {
    let run_rules = |sel: &str| run(&["rules", "--builtin", sel]);
    let listed = run_rules("default,opt-in");
    listed.assert_code(0);
    assert!(listed.stdout.contains("ssm-send-command "), "{listed:?}");
    assert!(!run_rules("default").stdout.contains("ssm-send-command "));
    let bad = run_rules("nope-not-a-rule");
    bad.assert_code(2);
    assert!(bad.stderr.contains("names `nope-not-a-rule`"), "{bad:?}");
    run(&["rules", "--builtin", "all", "--no-builtin"]).assert_code(2);
}
