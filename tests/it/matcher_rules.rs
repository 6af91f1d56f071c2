//! Rule sets: scope, exclude, config order, compile errors.

use cloudtrail_alerts::event::EventView;
use cloudtrail_alerts::matcher::RuleSet;
use cloudtrail_alerts::rules::{Origin, Rule, RuleConfig, Scope};
use cloudtrail_alerts::testing::rule;
use serde_json::{Value, json};

fn config(rules: Vec<Rule>) -> RuleConfig {
    RuleConfig {
        rules,
        ..RuleConfig::default()
    }
}

fn fire(set: &RuleSet, event: Value) -> Vec<(String, Option<usize>)> {
    let view = EventView::from_value(&event, set.paths()).unwrap();
    set.evaluate(&view)
        .into_iter()
        .map(|f| (f.rule.id.clone(), f.suppressed_by))
        .collect()
}

fn event(name: &str, account: &str, region: &str, user: &str) -> Value {
    json!({
        "source": "aws.iam",
        "account": account,
        "region": region,
        "detail": {"eventName": name, "userIdentity": {"userName": user}}
    })
}

#[test]
fn scope_restricts_by_account_and_region() {
    let mut scoped = rule("scoped", json!({"detail": {"eventName": ["CreateUser"]}}));
    scoped.scope = Scope {
        accounts: vec!["111122223333".to_string()],
        regions: vec!["eu-west-1".to_string(), "us-east-1".to_string()],
    };
    let anywhere = rule("anywhere", json!({"detail": {"eventName": ["CreateUser"]}}));
    let set = RuleSet::compile(&config(vec![scoped, anywhere])).unwrap();
    assert_eq!(
        fire(&set, event("CreateUser", "111122223333", "us-east-1", "a")),
        vec![("scoped".into(), None), ("anywhere".into(), None)]
    );
    assert_eq!(
        fire(&set, event("CreateUser", "999999999999", "us-east-1", "a")),
        vec![("anywhere".into(), None)]
    );
    assert_eq!(
        fire(&set, event("CreateUser", "111122223333", "ap-south-1", "a")),
        vec![("anywhere".into(), None)]
    );
    // a missing account never satisfies an account scope
    let no_account = json!({"region": "us-east-1", "detail": {"eventName": "CreateUser"}});
    assert_eq!(fire(&set, no_account), vec![("anywhere".into(), None)]);
}

#[test]
fn excludes_suppress_but_still_report() {
    let mut r = rule(
        "root-login",
        json!({"detail": {"eventName": [{"prefix": "Create"}]}}),
    );
    r.exclude = vec![
        json!({"detail": {"userIdentity": {"userName": ["terraform"]}}}),
        json!({"detail": {"userIdentity": {"userName": [{"prefix": "ci-"}]}}}),
    ];
    let set = RuleSet::compile(&config(vec![r])).unwrap();
    assert_eq!(
        fire(&set, event("CreateUser", "1", "r", "alice")),
        vec![("root-login".into(), None)]
    );
    assert_eq!(
        fire(&set, event("CreateUser", "1", "r", "terraform")),
        vec![("root-login".into(), Some(0))]
    );
    assert_eq!(
        fire(&set, event("CreateRole", "1", "r", "ci-deploy")),
        vec![("root-login".into(), Some(1))]
    );
    assert_eq!(
        fire(&set, event("DeleteUser", "1", "r", "ci-deploy")),
        vec![]
    );
}

#[test]
fn firings_follow_config_order_and_skip_disabled_rules() {
    let mut disabled = rule("disabled", json!({"source": ["aws.iam"]}));
    disabled.enabled = false;
    let rules = vec![
        rule("c", json!({"detail": {"eventName": [{"exists": true}]}})),
        disabled,
        rule("a", json!({"detail": {"eventName": ["CreateUser"]}})),
        rule("b", json!({"detail": {"missing": [{"exists": false}]}})),
        rule("n", json!({"source": ["aws.ec2"]})),
    ];
    let set = RuleSet::compile(&config(rules)).unwrap();
    assert_eq!(set.len(), 4);
    assert!(!set.is_empty());
    assert_eq!(
        set.rules().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["c", "a", "b", "n"]
    );
    let ids: Vec<String> = fire(&set, event("CreateUser", "1", "r", "u"))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, vec!["c", "a", "b"]);
}

#[test]
fn numbers_and_ip_literals_hit_the_index_in_any_spelling() {
    let rules = vec![
        rule("num", json!({"detail": {"port": [22]}})),
        rule("ip", json!({"detail": {"ip": ["2001:db8::1"]}})),
        rule("big", json!({"detail": {"id": [12345678901234567890u64]}})),
    ];
    let set = RuleSet::compile(&config(rules)).unwrap();
    assert_eq!(
        fire(&set, json!({"detail": {"port": 22.0}})),
        vec![("num".into(), None)]
    );
    assert_eq!(
        fire(&set, json!({"detail": {"ip": "2001:0DB8:0:0:0:0:0:1"}})),
        vec![("ip".into(), None)]
    );
    assert_eq!(
        fire(&set, json!({"detail": {"id": 12345678901234567890u64}})),
        vec![("big".into(), None)]
    );
    assert_eq!(
        fire(&set, json!({"detail": {"id": 12345678901234567891u64}})),
        vec![]
    );
}

#[test]
fn compile_collects_every_error_with_its_origin() {
    let mut bad_exclude = rule("bad-exclude", json!({"source": ["aws.iam"]}));
    bad_exclude.exclude = vec![json!({"a": ["ok"]}), json!({"a": []})];
    bad_exclude.origin = Origin {
        file: "team.yaml".to_string(),
        line: 12,
    };
    let mut nested_bad = rule(
        "nested-bad",
        json!({"detail": {"errorCode": [{"prefix": 5}]}}),
    );
    nested_bad.origin.line = 30;
    let mut disabled_bad = rule("disabled-bad", json!({"source": "x"}));
    disabled_bad.enabled = false;
    let rules = vec![
        rule("bad-pattern", json!({"source": "aws.iam"})),
        rule("good", json!({"source": ["aws.iam"]})),
        bad_exclude,
        nested_bad,
        disabled_bad,
    ];
    let errors = RuleSet::compile(&config(rules)).unwrap_err();
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "rules.yaml:1: rule bad-pattern: pattern at `source`: Event pattern is not valid. Reason: \"source\" must be an object or an array",
            "team.yaml:12: rule bad-exclude: exclude[1] at `a`: Event pattern is not valid. Reason: Empty arrays are not allowed",
            "rules.yaml:30: rule nested-bad: pattern at `detail.errorCode`: Event pattern is not valid. Reason: prefix match pattern must be a string",
        ]
    );
    assert_eq!(errors[1].error.path, "a");
}

#[test]
fn paths_cover_patterns_excludes_and_scope() {
    let mut r = rule("r", json!({"detail": {"eventName": ["X"]}}));
    r.exclude = vec![json!({"detail": {"userIdentity": {"type": ["Root"]}}})];
    r.scope.regions = vec!["us-east-1".to_string()];
    let set = RuleSet::compile(&config(vec![r])).unwrap();
    for path in ["detail.eventName", "detail.userIdentity.type", "region"] {
        assert!(set.paths().get(path).is_some(), "{path} missing");
    }
    assert!(set.paths().get("account").is_none());
}
