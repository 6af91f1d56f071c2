//! The deployed pre-filter passes what the rules match: `prefilter` prints
//! the pattern template.yaml deploys, within EventBridge's size limit, every
//! positive fixture passes it, and `validate` warns about user rules it hides.

use cloudtrail_alerts::cli;
use cloudtrail_alerts::pattern::test_event_pattern;
use cloudtrail_alerts::prefilter::PATTERN_SIZE_LIMIT;
use cloudtrail_alerts::rules::{self, LoadOptions, WarningKind};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::cli::{run, write};
use crate::support::{json_files, root};

fn generated() -> Value {
    let run = run(&["prefilter"]);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

/// The `EventPattern:` block of `resource` in `template`, parsed on its own
/// (the rest of the template uses CloudFormation tags).
fn deployed(template: &str, resource: &str) -> Value {
    let text = std::fs::read_to_string(root().join(template)).expect("template readable");
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == format!("  {resource}:"))
        .unwrap_or_else(|| panic!("{resource} not in {template}"));
    let pattern = start
        + lines[start..]
            .iter()
            .position(|l| l.trim() == "EventPattern:")
            .expect("EventPattern");
    let indent = lines[pattern].len() - lines[pattern].trim_start().len();
    let block: Vec<&str> = lines[pattern + 1..]
        .iter()
        .take_while(|l| {
            l.trim().is_empty()
                || l.trim_start().starts_with('#')
                || l.len() - l.trim_start().len() > indent
        })
        .copied()
        .filter(|l| !l.trim_start().starts_with("account:"))
        .collect();
    let docs = YamlLoader::load_from_str(&block.join("\n")).expect("pattern is YAML");
    to_json(&docs[0])
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().expect("string key").to_string(), to_json(v)))
                .collect(),
        ),
        other => panic!("unexpected YAML in a pattern: {other:?}"),
    }
}

#[test]
fn template_and_forwarder_deploy_the_generated_prefilter() {
    let generated = generated();
    assert_eq!(deployed("template.yaml", "EventsRule"), generated);
    assert_eq!(deployed("forwarder.yaml", "ForwardRule"), generated);
}

#[test]
fn the_generated_prefilter_fits_eventbridges_limit() {
    // The forwarder adds its `account` condition to the same pattern.
    let size = generated().to_string().len() + r#","account":["111122223333"]"#.len();
    assert!(size <= PATTERN_SIZE_LIMIT, "{size} characters");
}

#[test]
fn every_positive_fixture_passes_the_generated_prefilter() {
    let pattern = generated().to_string();
    let mut checked = 0;
    for rule_dir in std::fs::read_dir(root().join("tests/fixtures")).expect("fixtures") {
        let dir = rule_dir.expect("fixture dir").path().join("match");
        for path in json_files(&dir) {
            let text = std::fs::read_to_string(&path).expect("fixture readable");
            let event: Value = serde_json::from_str(&text).expect("fixture JSON");
            if event.get("detail").is_none() {
                continue; // a bare record reaches the function from S3, not EventBridge
            }
            checked += 1;
            assert_eq!(
                test_event_pattern(&pattern, &text).ok(),
                Some(true),
                "the pre-filter drops {}",
                path.display()
            );
        }
    }
    assert!(checked > 200, "only {checked} fixtures found");
}

#[test]
fn without_the_read_only_branches_a_read_only_fixture_is_dropped() {
    let mut pattern = generated();
    let or = pattern["$or"].as_array_mut().expect("$or");
    or.retain(|b| b["detail"].get("eventName").is_none());
    let event = std::fs::read_to_string(
        root().join("tests/fixtures/ec2-get-password-data/match/get-password-data.json"),
    )
    .expect("fixture");
    assert_eq!(
        test_event_pattern(&pattern.to_string(), &event).ok(),
        Some(false)
    );
}

const USER_RULES: &str = "rules:
  - id: secret-read
    title: Secret read
    severity: high
    pattern:
      source: [aws.secretsmanager]
      detail:
        eventSource: [secretsmanager.amazonaws.com]
        eventName: [GetSecretValue, DescribeSecret]
  - id: any-delete
    title: Anything deleted
    severity: low
    pattern:
      detail:
        eventName: [{ prefix: Delete }]
";

#[test]
fn validate_warns_about_hidden_rules_and_rules_without_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "mine.yaml", USER_RULES.as_bytes());
    let run = run(&["validate", &file]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("OK (") && run.stdout.contains("2 warnings"),
        "{run:?}"
    );
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{run:?}");
    // GetSecretValue is in the deployed pre-filter (a built-in rule needs it); DescribeSecret is not.
    assert!(warnings[0].starts_with(&format!("{file}:2: warning: rule `secret-read`")));
    assert!(warnings[0].contains("secretsmanager.amazonaws.com DescribeSecret"));
    assert!(!warnings[0].contains("GetSecretValue"));
    assert!(warnings[0].contains("cloudtrail-alerts prefilter --rules FILE"));
    assert!(warnings[1].starts_with(&format!("{file}:10: warning: rule `any-delete`")));
    assert!(warnings[1].contains("no `source` condition"));

    let strict = crate::support::cli::run(&["validate", "--strict", &file]);
    strict.assert_code(2);
    assert!(
        strict.stderr.ends_with("2 warnings (--strict)\n"),
        "{strict:?}"
    );
}

#[test]
fn prefilter_adds_the_read_only_calls_of_user_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "mine.yaml", USER_RULES.as_bytes());
    let run = run(&["prefilter", "--rules", &file]);
    run.assert_code(0);
    let pattern: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let mut event = crate::support::read_json(
        &root().join("tests/fixtures/secretsmanager-get-secret-value/match/get-secret-value.json"),
    );
    event["detail"]["eventName"] = "DescribeSecret".into();
    assert_eq!(event["detail"]["readOnly"], true);
    assert_eq!(
        test_event_pattern(&pattern.to_string(), &event.to_string()).ok(),
        Some(true)
    );
    let unchanged = generated();
    assert_eq!(
        test_event_pattern(&unchanged.to_string(), &event.to_string()).ok(),
        Some(false)
    );
}

#[test]
fn every_builtin_rule_names_its_source_and_only_wildcards_go_unlisted() {
    let builtin = rules::load(&LoadOptions {
        files: Vec::new(),
        builtin: true.into(),
    })
    .expect("built-in pack loads");
    let deployed = cli::deployed_prefilter().expect("built-in pack loads");
    let warnings: Vec<String> = rules::lint(&builtin, &deployed)
        .iter()
        .filter(|w| match &w.kind {
            WarningKind::NoSource | WarningKind::NeverMatches(_) => true,
            // transit-gateway-change matches `*TransitGateway*` on purpose: the
            // Describe calls it could also match are the ones to drop.
            WarningKind::HiddenByPrefilter { calls, .. } => {
                !calls.is_empty() || w.rule_id != "transit-gateway-change"
            }
        })
        .map(ToString::to_string)
        .collect();
    assert_eq!(warnings, Vec::<String>::new());
    // `validate` reports the user's rules, not the pack's.
    let run = run(&["validate", "--strict"]);
    run.assert_code(0);
    assert_eq!(run.stderr, "");
}
