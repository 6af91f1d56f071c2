//! Rule files: loading, overrides, scopes, and every kind of validation error
//! reported with its file, line and rule id.

use cloudtrail_alerts::rules::{
    LoadOptions, RuleFileError, builtin_sources, is_builtin_file, load, load_sources, parse_file,
};
use cloudtrail_alerts::severity::Severity;
use serde_json::json;

fn src(name: &str, text: &str) -> (String, String) {
    (name.to_string(), text.to_string())
}

/// Load user files without the built-in pack and return the errors.
fn errors(files: &[(&str, &str)]) -> Vec<RuleFileError> {
    let sources: Vec<_> = files.iter().map(|(n, t)| src(n, t)).collect();
    load_sources(&sources, false).expect_err("expected errors")
}

fn one_error(name: &str, text: &str) -> RuleFileError {
    let errs = errors(&[(name, text)]);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

const GOOD_RULE: &str = "\
rules:
  - id: my-rule
    title: My rule
    severity: low
    pattern:
      source: [aws.ec2]
";

#[test]
fn builtin_pack_and_example_validate() {
    let cfg = load_sources(&[], true).unwrap();
    let pack = cfg.rules.len();
    assert!(pack >= 60, "the pack has {pack} rules");
    assert!(cfg.rules.iter().all(|r| is_builtin_file(&r.origin.file)));
    // Opt-in rules ship disabled and say so with their tag; every other rule is on.
    for r in &cfg.rules {
        let opt_in = r.tags.iter().any(|t| t == "opt-in");
        assert_eq!(r.enabled, !opt_in, "rule `{}`", r.id);
    }
    assert!(
        builtin_sources()
            .iter()
            .any(|(_, text)| text.contains("id: root-account-usage"))
    );

    let example = std::fs::read_to_string("rules/example.yaml").unwrap();
    let cfg = load_sources(&[src("rules/example.yaml", &example)], true).unwrap();
    assert_eq!(cfg.rules.len(), pack + 1);
    assert_eq!(cfg.settings.account_name("777788889999"), Some("staging"));
}

#[test]
fn the_deployed_config_validates() {
    let text = std::fs::read_to_string("config/rules.yaml").unwrap();
    let cfg = load_sources(&[src("config/rules.yaml", &text)], true).unwrap();
    // The deployed file adds no rules of its own to the pack.
    assert_eq!(
        cfg.rules.len(),
        load_sources(&[], true).unwrap().rules.len()
    );
}

#[test]
fn load_reads_files_in_order_after_the_builtin_pack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.yaml");
    std::fs::write(&path, GOOD_RULE).unwrap();
    let cfg = load(&LoadOptions {
        files: vec![path.clone()],
        builtin: true.into(),
    })
    .unwrap();
    let last = cfg.rules.last().unwrap();
    assert_eq!(last.id, "my-rule");
    assert_eq!(last.origin.file, path.display().to_string());
    assert_eq!(last.origin.line, 2);

    let missing = dir.path().join("missing.yaml");
    let errs = load(&LoadOptions {
        files: vec![missing.clone()],
        builtin: false.into(),
    })
    .unwrap_err();
    assert_eq!(errs[0].file, missing.display().to_string());
    assert!(errs[0].message.starts_with("cannot read the file"));
    assert!(
        errs[0]
            .to_string()
            .starts_with(&format!("{}: cannot read", missing.display()))
    );
}

#[test]
fn rule_fields_are_read_with_defaults() {
    let cfg = load_sources(
        &[src(
            "a.yaml",
            "rules:\n  - id: full\n    title: Full\n    description: Why it matters.\n    severity: CRITICAL\n    pattern: {detail: {eventName: [X]}}\n    exclude:\n      - {detail: {userName: [ci]}}\n    runbook: https://wiki.example.com/full\n    enabled: false\n    references: [\"CIS AWS Foundations 9.9\"]\n    scope: {regions: [eu-west-1]}\n",
        )],
        false,
    )
    .unwrap();
    let r = &cfg.rules[0];
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.description, "Why it matters.");
    assert_eq!(r.exclude, vec![json!({"detail": {"userName": ["ci"]}})]);
    assert_eq!(r.runbook.as_deref(), Some("https://wiki.example.com/full"));
    assert!(!r.enabled);
    assert_eq!(r.references, vec!["CIS AWS Foundations 9.9"]);
    assert_eq!(r.scope.regions, vec!["eu-west-1"]);
    assert!(r.scope.accounts.is_empty());

    let cfg = load_sources(&[src("b.yaml", GOOD_RULE)], false).unwrap();
    let r = &cfg.rules[0];
    assert!(r.enabled && r.exclude.is_empty() && r.runbook.is_none());
    assert_eq!(r.description, "");
}

#[test]
fn patterns_keep_exact_types_from_yaml_and_json() {
    let yaml = "rules:\n  - id: types\n    title: T\n    severity: low\n    pattern:\n      detail:\n        a: [yes, \"5\", 5, 5.0, ~, true, 'null']\n";
    let cfg = load_sources(&[src("t.yaml", yaml)], false).unwrap();
    assert_eq!(
        cfg.rules[0].pattern,
        json!({"detail": {"a": ["yes", "5", 5, 5.0, null, true, "null"]}})
    );
    assert!(cfg.rules[0].pattern["detail"]["a"][2].is_i64());
    assert!(cfg.rules[0].pattern["detail"]["a"][3].is_f64());

    let json_file = r#"{
  "accounts": {"prod": ["111122223333"]},
  "rules": [
    {"id": "from-json", "title": "From JSON", "severity": "high",
     "pattern": {"detail": {"n": [1, 2.5, "3", null, false]}},
     "scope": {"accounts": ["prod"]}}
  ]
}"#;
    let cfg = load_sources(&[src("r.json", json_file)], false).unwrap();
    assert_eq!(
        cfg.rules[0].pattern,
        json!({"detail": {"n": [1, 2.5, "3", null, false]}})
    );
    assert_eq!(cfg.rules[0].scope.accounts, vec!["111122223333"]);
    assert_eq!(cfg.rules[0].origin.line, 4);

    let as_string = "rules:\n  - id: s\n    title: S\n    severity: low\n    pattern: '{\"source\": [\"aws.ec2\"], \"detail\": {\"x\": [1]}}'\n";
    let cfg = load_sources(&[src("s.yaml", as_string)], false).unwrap();
    assert_eq!(
        cfg.rules[0].pattern,
        json!({"source": ["aws.ec2"], "detail": {"x": [1]}})
    );
}

#[test]
fn overrides_change_rules_and_append_excludes() {
    let user = "\
accounts:
  prod: [\"111122223333\", \"444455556666\"]
overrides:
  vpc-change:
    scope: {accounts: [prod], regions: [us-east-1]}
  security-group-change:
    severity: high
    exclude:
      - {detail: {userIdentity: {arn: [{prefix: \"arn:aws:sts::111122223333:assumed-role/deploy/\"}]}}}
  transit-gateway-change:
    exclude:
      - {region: [ap-south-1]}
  cloudtrail-insight:
    enabled: false
";
    let cfg = load_sources(&[src("user.yaml", user)], true).unwrap();
    let rule = |id: &str| cfg.rules.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        rule("vpc-change").scope.accounts,
        vec!["111122223333", "444455556666"]
    );
    assert_eq!(rule("vpc-change").scope.regions, vec!["us-east-1"]);
    assert_eq!(rule("vpc-change").origin.file, "builtin");
    assert_eq!(rule("security-group-change").severity, Severity::High);
    assert_eq!(rule("security-group-change").exclude.len(), 1);
    // The built-in exclude of read-only calls stays; the user's is added after it.
    let tgw = &rule("transit-gateway-change").exclude;
    assert_eq!(tgw.len(), 2);
    assert_eq!(tgw[1], json!({"region": ["ap-south-1"]}));
    assert!(!rule("cloudtrail-insight").enabled);

    // A later file overrides an earlier one; scope keys not given are kept.
    let later =
        "overrides:\n  vpc-change:\n    scope: {regions: [eu-west-1]}\n    enabled: false\n";
    let cfg = load_sources(&[src("user.yaml", user), src("later.yaml", later)], true).unwrap();
    let vpc = cfg.rules.iter().find(|r| r.id == "vpc-change").unwrap();
    assert_eq!(vpc.scope.regions, vec!["eu-west-1"]);
    assert_eq!(vpc.scope.accounts.len(), 2);
    assert!(!vpc.enabled);
}

#[test]
fn accounts_by_id_or_name_from_any_file() {
    let a = "accounts:\n  prod: [\"111122223333\"]\n";
    let b = "rules:\n  - id: r\n    title: R\n    severity: low\n    pattern: {source: [x]}\n    scope:\n      accounts: [prod, \"999988887777\", 555566667777]\n";
    let cfg = load_sources(&[src("a.yaml", a), src("b.yaml", b)], false).unwrap();
    assert_eq!(
        cfg.rules[0].scope.accounts,
        vec!["111122223333", "555566667777", "999988887777"]
    );
    assert_eq!(cfg.settings.account_name("111122223333"), Some("prod"));
}

// ---- every error kind, with file, line and rule id ----

#[test]
fn yaml_syntax_error_has_its_line() {
    let e = one_error("bad.yaml", "rules:\n  - id: x\n    title: [unclosed\n");
    assert_eq!(e.file, "bad.yaml");
    assert!(e.line >= 3, "{e}");
    assert!(e.message.starts_with("YAML syntax error"), "{e}");
    assert_eq!(e.rule_id, None);
}

#[test]
fn json_syntax_error_has_its_line() {
    let e = one_error("bad.json", "{\n  \"rules\": [\n    {\"id\": \"x\",}\n  ]\n");
    assert_eq!(e.file, "bad.json");
    assert!(e.line >= 3, "{e}");
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let text =
        "rules:\n  - id: my-rule\n    title: T\n    severty: low\n    pattern: {source: [x]}\n";
    let errs = errors(&[("u.yaml", text)]);
    let e = errs
        .iter()
        .find(|e| e.message.contains("unknown key"))
        .unwrap();
    assert_eq!(
        e.to_string(),
        "u.yaml:4: rule `my-rule`: unknown key `severty` in a rule; did you mean `severity`?"
    );
    // The missing severity is reported as well.
    assert!(errs.iter().any(|e| e.message == "rule has no `severity`"));

    let e = one_error("top.yaml", "rulez: []\n");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("did you mean `rules`?"), "{e}");

    let e = one_error("o.yaml", "overrides:\n  vpc-change:\n    disabled: true\n");
    assert_eq!((e.line, e.rule_id.as_deref()), (3, Some("vpc-change")));
    assert!(e.message.contains("unknown key `disabled` in an override"));
}

#[test]
fn missing_required_keys() {
    let errs = errors(&[("m.yaml", "rules:\n  - id: empty-rule\n    enabled: true\n")]);
    let messages: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "rule has no `title`",
            "rule has no `severity`",
            "rule has no `pattern`"
        ]
    );
    assert!(
        errs.iter()
            .all(|e| e.line == 2 && e.rule_id.as_deref() == Some("empty-rule"))
    );

    let e = one_error(
        "n.yaml",
        "rules:\n  - title: T\n    severity: low\n    pattern: {a: [1]}\n",
    );
    assert_eq!((e.line, e.rule_id.clone()), (2, None));
    assert_eq!(e.message, "rule has no `id`");
}

#[test]
fn bad_severity() {
    let text = GOOD_RULE.replace("severity: low", "severity: urgent");
    let e = one_error("s.yaml", &text);
    assert_eq!(
        e.to_string(),
        "s.yaml:4: rule `my-rule`: bad severity `urgent`: expected one of info, low, medium, high, critical"
    );
}

#[test]
fn id_not_kebab_case() {
    let text = GOOD_RULE.replace("id: my-rule", "id: My_Rule");
    let e = one_error("k.yaml", &text);
    assert_eq!(e.line, 2);
    assert_eq!(e.rule_id.as_deref(), Some("My_Rule"));
    assert!(e.message.contains("not kebab-case"), "{e}");
    assert!(e.message.contains("`my-rule`"), "{e}");
}

#[test]
fn duplicate_ids_name_both_places() {
    let second =
        "\n  - id: my-rule\n    title: Again\n    severity: low\n    pattern: {source: [y]}\n";
    let e = one_error("d.yaml", &format!("{GOOD_RULE}{second}"));
    assert_eq!(
        e.to_string(),
        "d.yaml:8: rule `my-rule`: duplicate rule id `my-rule`: first defined at d.yaml:2"
    );

    let errs = errors(&[("a.yaml", GOOD_RULE), ("b.yaml", GOOD_RULE)]);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].file, "b.yaml");
    assert!(errs[0].message.contains("first defined at a.yaml:2"));

    let copy = GOOD_RULE.replace("id: my-rule", "id: vpc-change");
    let sources = [src("mine.yaml", &copy)];
    let errs = load_sources(&sources, true).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.contains("first defined at builtin:"),
        "{}",
        errs[0]
    );
    assert!(errs[0].message.contains("overrides:"));
}

#[test]
fn invalid_patterns_give_eventbridge_reasons() {
    let text = "rules:\n  - id: p\n    title: P\n    severity: low\n    pattern: [source]\n    exclude:\n      - {}\n      - 'not json'\n";
    let errs = errors(&[("p.yaml", text)]);
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert_eq!(
        errs[0].to_string(),
        "p.yaml:5: rule `p`: `pattern`: Event pattern is not valid. Reason: Filter is not an object"
    );
    assert_eq!(errs[1].line, 7);
    assert!(errs[1].message.ends_with(
        "`exclude[0]`: Event pattern is not valid. Reason: Empty objects are not allowed"
    ));
    assert_eq!(errs[2].line, 8);
    assert!(
        errs[2]
            .message
            .contains("`exclude[1]` is a string but not valid JSON")
    );
}

#[test]
fn scope_with_undefined_account_name() {
    let text = "accounts:\n  prod: [\"111122223333\"]\nrules:\n  - id: r\n    title: R\n    severity: low\n    pattern: {source: [x]}\n    scope:\n      accounts: [prd]\n      regions: [us-east1]\n";
    let errs = errors(&[("sc.yaml", text)]);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!(
        errs[0].to_string(),
        "sc.yaml:9: rule `r`: scope names account `prd`, which is neither a 12-digit account id nor a name under `accounts:`; did you mean `prod`?"
    );
    assert_eq!(errs[1].line, 10);
    assert!(
        errs[1]
            .message
            .contains("`us-east1` is not an AWS region name")
    );
}

#[test]
fn override_of_unknown_rule() {
    let e = one_error("o.yaml", "overrides:\n  my-rul:\n    enabled: false\n");
    assert!(e.message.contains("unknown rule id `my-rul`"), "{e}");
    // With the built-in pack loaded, a near miss is suggested.
    let errs = load_sources(
        &[src("o.yaml", "overrides:\n  vpc-chnge: {enabled: false}\n")],
        true,
    )
    .unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "o.yaml:2: rule `vpc-chnge`: override names unknown rule id `vpc-chnge`; did you mean `vpc-change`?"
    );
}

#[test]
fn malformed_account_ids() {
    let text = "accounts:\n  prod: [\"11112222333\", 12345678901, abc]\n  '111122223333': [\"111122223333\"]\n";
    let errs = errors(&[("acc.yaml", text)]);
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert!(
        errs[0]
            .message
            .contains("`11112222333` is not a 12-digit account id")
    );
    assert!(errs[1].message.contains("quote ids"));
    assert!(
        errs[2]
            .message
            .contains("`abc` is not a 12-digit account id")
    );
    assert!(errs[..3].iter().all(|e| e.line == 2));
    assert_eq!(errs[3].line, 3);
    assert!(errs[3].message.contains("looks like an account id"));

    let errs = errors(&[
        ("a.yaml", "accounts:\n  prod: [\"111122223333\"]\n"),
        ("b.yaml", "accounts:\n  prod: [\"444455556666\"]\n"),
    ]);
    assert_eq!(errs[0].file, "b.yaml");
    assert!(errs[0].message.contains("already defined at a.yaml:2"));
}

#[test]
fn wrong_types_are_named() {
    let text = "rules:\n  - id: t\n    title: T\n    severity: low\n    pattern: {a: [1]}\n    enabled: yes\n    references: CIS 4.1\n    exclude: {a: [1]}\n";
    let errs = errors(&[("w.yaml", text)]);
    let got: Vec<_> = errs.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(got[0].0, 6);
    assert!(got[0].1.contains("`enabled` must be true or false"));
    assert!(got[0].1.contains("YAML 1.2"));
    assert_eq!(got[1].0, 7);
    assert!(got[1].1.contains("`references` must be a list of strings"));
    assert_eq!(got[2].0, 8);
    assert!(
        got[2]
            .1
            .contains("`exclude` must be a list of event patterns")
    );
}

#[test]
fn every_error_in_every_file_is_reported() {
    let a = "rules:\n  - id: A\n    title: T\n    severity: low\n    pattern: {a: [1]}\n  - id: b\n    title: T\n    severity: bad\n    pattern: {a: [1]}\n";
    let b = "rules: [1]\noverrides:\n  nope: {enabled: true}\n";
    let errs = errors(&[("a.yaml", a), ("b.yaml", b)]);
    let places: Vec<_> = errs.iter().map(|e| (e.file.as_str(), e.line)).collect();
    assert_eq!(
        places,
        vec![("a.yaml", 2), ("a.yaml", 8), ("b.yaml", 1), ("b.yaml", 3)]
    );
}

#[test]
fn parse_file_checks_one_file_alone() {
    let file = parse_file(
        "one.yaml",
        "accounts:\n  prod: [\"111122223333\"]\noverrides:\n  vpc-change: {enabled: false}\n",
    )
    .unwrap();
    assert_eq!(file.accounts[0].name, "prod");
    assert_eq!(file.overrides[0].rule_id, "vpc-change");
    assert_eq!(file.overrides[0].line, 4);
    assert!(parse_file("two.yaml", "rules: 5\n").is_err());
    // An empty file is a valid file with nothing in it.
    assert!(parse_file("empty.yaml", "").unwrap().rules.is_empty());
}

#[test]
fn the_examples_in_docs_validate() {
    let doc = std::fs::read_to_string("docs/rules.md").unwrap();
    let mut blocks = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").unwrap();
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    assert!(blocks.len() >= 4);
    for block in blocks {
        // The syntax summary of overrides uses placeholders.
        if block.contains("<rule-id>") {
            continue;
        }
        if let Err(errs) = load_sources(&[src("docs/rules.md", block)], true) {
            panic!("{block}\n{errs:#?}");
        }
    }
}

#[test]
fn nested_pattern_errors_name_the_path() {
    let text = "rules:\n  - id: p\n    title: P\n    severity: low\n    pattern:\n      detail:\n        eventName: []\n";
    let e = one_error("p.yaml", text);
    assert_eq!(
        e.to_string(),
        "p.yaml:7: rule `p`: `pattern` at `detail.eventName`: Event pattern is not valid. Reason: Empty arrays are not allowed"
    );
    let text = "rules:\n  - id: p\n    title: P\n    severity: low\n    pattern:\n      detail:\n        errorCode: [{contains: Denied}]\n";
    let e = one_error("p.yaml", text);
    assert!(
        e.message
            .ends_with("Event pattern is not valid. Reason: Unrecognized match type contains"),
        "{e}"
    );
    assert_eq!(e.line, 7);
    let text = "rules:\n  - id: p\n    title: P\n    severity: low\n    pattern:\n      detail:\n        $or:\n          - a: [1]\n          - b: [{exists: maybe}]\n";
    let e = one_error("p.yaml", text);
    assert_eq!(e.line, 9, "{e}");
}

#[test]
fn every_file_under_rules_builtin_is_embedded() {
    let mut on_disk: Vec<String> = std::fs::read_dir("rules/builtin")
        .unwrap()
        .map(|e| format!("builtin/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = builtin_sources()
        .iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name.starts_with("builtin/"))
        .collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "rules/builtin/ and the embedded pack differ"
    );
}

#[test]
fn excludes_from_several_files_all_apply() {
    // Two teams each silence their own pipeline's VPC changes in their own
    // file; both excludes must hold, and a third caller still alerts.
    let first = "overrides:\n  vpc-change:\n    exclude:\n      - detail:\n          userIdentity:\n            arn: [{wildcard: \"*:assumed-role/pipeline-a/*\"}]\n";
    let second = "overrides:\n  vpc-change:\n    exclude:\n      - detail:\n          userIdentity:\n            arn: [{wildcard: \"*:assumed-role/pipeline-b/*\"}]\n";
    let config = load_sources(&[src("a.yaml", first), src("b.yaml", second)], true).unwrap();
    let engine = cloudtrail_alerts::engine::Engine::from_config(config).unwrap();
    let sample = crate::support::read_json(&crate::support::root().join("events/vpc-create.json"));
    let fires_for = |role: &str| {
        let mut event = sample.clone();
        event["detail"]["userIdentity"]["arn"] = json!(format!(
            "arn:aws:sts::111122223333:assumed-role/{role}/session"
        ));
        engine
            .evaluate_value(&event)
            .unwrap()
            .alerts
            .iter()
            .any(|a| a.rule.id == "vpc-change")
    };
    assert!(!fires_for("pipeline-a"), "the first file's exclude");
    assert!(!fires_for("pipeline-b"), "the second file's exclude");
    assert!(fires_for("Admin"), "anyone else still alerts");
}
