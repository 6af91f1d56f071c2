use serde_json::{Value, json};

use super::*;
use crate::engine::Engine;
use crate::rules::{BuiltinSelection, load_sources, load_sources_selected};

/// One rule per operator kind, each written so that the event of
/// [`event`] misses it by exactly one field.
const RULES: &str = r#"
accounts:
  prod: ["111122223333"]
rules:
  - id: literal
    title: T
    severity: low
    pattern:
      source: [aws.iam]
      detail: {eventName: [CreateUser, DeleteUser]}
  - id: prefix
    title: T
    severity: low
    pattern: {detail: {userAgent: [{prefix: "console."}]}}
  - id: suffix-ic
    title: T
    severity: low
    pattern: {detail: {eventName: [{suffix: {equals-ignore-case: "ROLE"}}]}}
  - id: anything-but
    title: T
    severity: low
    pattern: {detail: {userIdentity: {type: [{anything-but: [AssumedRole, Root]}]}}}
  - id: exists-false
    title: T
    severity: low
    pattern: {detail: {requestParameters: {roleName: [{exists: false}]}}}
  - id: exists-true
    title: T
    severity: low
    pattern: {detail: {errorCode: [{exists: true}]}}
  - id: numeric
    title: T
    severity: low
    pattern: {detail: {port: [{numeric: [">=", 1, "<", 1024]}]}}
  - id: cidr
    title: T
    severity: low
    pattern: {detail: {sourceIPAddress: [{cidr: "10.0.0.0/8"}]}}
  - id: wildcard
    title: T
    severity: low
    pattern: {detail: {eventName: [{wildcard: "Delete*Policy"}]}}
  - id: either
    title: T
    severity: low
    pattern:
      detail:
        $or:
          - {eventName: [PutRolePolicy], errorCode: [AccessDenied]}
          - {eventName: [PutUserPolicy]}
  - id: same-element
    title: T
    severity: low
    pattern: {detail: {resources: {type: [Bucket], name: [logs]}}}
  - id: scoped
    title: T
    severity: low
    scope: {accounts: ["444455556666"]}
    pattern: {detail: {eventName: [PutRolePolicy]}}
  - id: regional
    title: T
    severity: low
    scope: {regions: [eu-west-1]}
    pattern: {detail: {eventName: [PutRolePolicy]}}
  - id: opt-in
    title: T
    severity: low
    enabled: false
    pattern: {detail: {eventName: [PutRolePolicy]}}
  - id: silenced
    title: T
    severity: low
    pattern: {detail: {eventName: [PutRolePolicy]}}
    exclude:
      - {detail: {userIdentity: {type: [Root]}}}
      - {detail: {userIdentity: {type: [AssumedRole]}}}
  - id: fires
    title: T
    severity: low
    scope: {accounts: [prod]}
    pattern: {detail: {eventName: [PutRolePolicy]}}
"#;

fn event() -> Value {
    json!({
        "version": "0", "id": "e1", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam", "account": "111122223333", "region": "us-east-1",
        "time": "2025-03-11T10:15:42Z",
        "detail": {
            "eventSource": "iam.amazonaws.com",
            "eventName": "PutRolePolicy",
            "userAgent": "aws-cli/2.15.30",
            "userIdentity": {"type": "AssumedRole"},
            "sourceIPAddress": "198.51.100.23",
            "port": 8080,
            "requestParameters": {"roleName": "app"},
            "resources": [{"type": "Bucket", "name": "data"}, {"type": "Key", "name": "logs"}]
        }
    })
}

fn config() -> RuleConfig {
    load_sources(&[("rules.yaml".into(), RULES.into())], false).unwrap()
}

fn explain(only: Option<&str>) -> Explanation {
    let explainer = Explainer::new(&config()).unwrap();
    let raw = serde_json::to_vec(&event()).unwrap();
    explainer.explain(&raw, only).unwrap()
}

fn reason(id: &str) -> Reason {
    let explanation = explain(Some(id));
    assert_eq!(explanation.verdicts.len(), 1, "{explanation:?}");
    explanation.verdicts[0].reason.clone()
}

/// The field, condition and values a rule missed on.
fn miss(id: &str) -> (String, String, Vec<Value>) {
    match reason(id) {
        Reason::NoMatch {
            miss: Miss::Field { path, wanted, seen },
            ..
        } => (path, wanted, seen),
        other => panic!("{id}: expected a missed field, got {other:?}"),
    }
}

#[test]
fn a_literal_miss_names_the_field_the_alternatives_and_the_value() {
    assert_eq!(
        miss("literal"),
        (
            "detail.eventName".into(),
            r#"one of ["CreateUser", "DeleteUser"]"#.into(),
            vec![json!("PutRolePolicy")]
        )
    );
}

#[test]
fn operators_are_written_the_way_patterns_write_them() {
    let cases = [
        (
            "prefix",
            "detail.userAgent",
            r#"prefix "console.""#,
            json!("aws-cli/2.15.30"),
        ),
        (
            "suffix-ic",
            "detail.eventName",
            r#"suffix (any case) "ROLE""#,
            json!("PutRolePolicy"),
        ),
        (
            "anything-but",
            "detail.userIdentity.type",
            r#"anything-but ["AssumedRole", "Root"]"#,
            json!("AssumedRole"),
        ),
        (
            "exists-false",
            "detail.requestParameters.roleName",
            "absent",
            json!("app"),
        ),
        (
            "numeric",
            "detail.port",
            "numeric >= 1, < 1024",
            json!(8080),
        ),
        (
            "cidr",
            "detail.sourceIPAddress",
            "cidr 10.0.0.0/8",
            json!("198.51.100.23"),
        ),
        (
            "wildcard",
            "detail.eventName",
            r#"wildcard "Delete*Policy""#,
            json!("PutRolePolicy"),
        ),
    ];
    for (id, path, wanted, seen) in cases {
        assert_eq!(miss(id), (path.into(), wanted.into(), vec![seen]), "{id}");
    }
}

#[test]
fn an_absent_field_is_seen_as_nothing() {
    assert_eq!(
        miss("exists-true"),
        ("detail.errorCode".into(), "exists".into(), vec![])
    );
}

#[test]
fn or_reports_the_closest_branch() {
    // The first branch fails on errorCode only; the second on eventName.
    match reason("either") {
        Reason::NoMatch {
            miss: Miss::Field { path, seen, .. },
            branches,
        } => {
            assert_eq!(branches, 2);
            assert_eq!(path, "detail.errorCode");
            assert!(seen.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fields_met_in_different_array_elements_are_named() {
    match reason("same-element") {
        Reason::NoMatch {
            miss: Miss::Arrays { paths },
            ..
        } => assert_eq!(paths, ["detail.resources.type", "detail.resources.name"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn scope_names_the_field_wanted_and_seen() {
    assert_eq!(
        reason("scoped"),
        Reason::OutOfScope {
            field: "account",
            wanted: vec!["444455556666".into()],
            seen: vec![json!("111122223333")],
        }
    );
    assert_eq!(
        reason("regional"),
        Reason::OutOfScope {
            field: "region",
            wanted: vec!["eu-west-1".into()],
            seen: vec![json!("us-east-1")],
        }
    );
}

#[test]
fn a_disabled_rule_says_so_and_whether_it_would_match() {
    assert_eq!(
        reason("opt-in"),
        Reason::Disabled {
            by: "`enabled: false` in rules.yaml:65".into(),
            would_match: true,
        }
    );
}

#[test]
fn an_excluded_match_names_the_exclude_and_its_line() {
    assert_eq!(
        reason("silenced"),
        Reason::Excluded {
            index: 1,
            at: Origin {
                file: "rules.yaml".into(),
                line: 76,
            },
        }
    );
}

#[test]
fn candidates_are_listed_and_the_rest_counted() {
    let explanation = explain(None);
    let ids: Vec<&str> = explanation
        .verdicts
        .iter()
        .map(|v| v.rule_id.as_str())
        .collect();
    // Rules filed under eventName PutRolePolicy, or under a field the event
    // has; `literal` is filed under another eventName and is left out.
    assert!(ids.contains(&"fires") && ids.contains(&"opt-in"), "{ids:?}");
    assert!(!ids.contains(&"literal"), "{ids:?}");
    assert!(explanation.verdicts.iter().all(|v| v.candidate));
    assert_eq!(explanation.others + ids.len(), config().rules.len());
    assert_eq!(
        explanation.event,
        Event {
            event_name: Some("PutRolePolicy".into()),
            event_source: Some("iam.amazonaws.com".into()),
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
        }
    );
}

#[test]
fn a_rule_asked_for_by_id_is_explained_even_when_not_a_candidate() {
    let explanation = explain(Some("literal"));
    assert!(!explanation.verdicts[0].candidate);
}

#[test]
fn unknown_ids_get_a_suggestion() {
    let explainer = Explainer::new(&config()).unwrap();
    assert!(explainer.check_rule("fires").is_ok());
    let err = explainer.check_rule("fire").unwrap_err();
    assert_eq!(err.suggestion.as_deref(), Some("fires"));
    assert_eq!(
        err.to_string(),
        "no loaded rule has the id `fire`; did you mean `fires`?"
    );
}

/// The explanation and the engine agree on every sample event: what the
/// explanation calls matched alerted, what it calls excluded was suppressed.
#[test]
fn verdicts_agree_with_the_engine_on_every_sample_event() {
    let config = load_sources_selected(&[], &BuiltinSelection::All).unwrap();
    let engine = Engine::from_config(config.clone()).unwrap();
    let explainer = Explainer::new(&config).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        let Ok(evaluation) = engine.evaluate_bytes(&raw) else {
            continue;
        };
        let explanation = explainer.explain(&raw, None).unwrap();
        let with = |f: fn(&Reason) -> bool| -> Vec<String> {
            let mut ids: Vec<String> = explanation
                .verdicts
                .iter()
                .filter(|v| f(&v.reason))
                .map(|v| v.rule_id.clone())
                .collect();
            ids.sort();
            ids
        };
        let mut alerted: Vec<String> = evaluation
            .alerts
            .iter()
            .map(|a| a.rule.id.clone())
            .collect();
        alerted.sort();
        let mut suppressed: Vec<String> = evaluation
            .suppressed
            .iter()
            .map(|s| s.rule_id.clone())
            .collect();
        suppressed.sort();
        assert_eq!(
            with(|r| matches!(r, Reason::Matched { .. })),
            alerted,
            "{path:?}"
        );
        assert_eq!(
            with(|r| matches!(r, Reason::Excluded { .. })),
            suppressed,
            "{path:?}"
        );
        checked += 1;
    }
    assert!(checked > 10, "only {checked} sample events");
}

#[test]
fn hostile_event_text_reaches_neither_output_raw() {
    let explainer = Explainer::new(&config()).unwrap();
    let mut event = event();
    event["detail"]["userAgent"] = json!("\u{202e}console.evil\u{1b}[31m\nnext");
    event["detail"]["eventName"] = json!("CreateUser\u{200b}");
    let raw = serde_json::to_vec(&event).unwrap();
    let explanation = explainer.explain(&raw, None).unwrap();
    let position = crate::input::Position {
        source: "x.json".into(),
        record: 1,
        line: 1,
    };
    let text = text(&explanation, &position);
    let line = json_line(&explanation, &position);
    for out in [&text, &line] {
        assert!(
            !out.contains(['\u{202e}', '\u{200b}', '\u{1b}']),
            "raw hostile characters in {out}"
        );
    }
    assert_eq!(line.lines().count(), 1);
    assert!(text.contains("detail.userAgent: wanted prefix"), "{text}");
    // One heading and one line a verdict, plus the count of the others.
    assert_eq!(
        text.lines().count(),
        explanation.verdicts.len() + 2,
        "{text}"
    );
    let parsed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["event_name"], "CreateUser\u{200b}");
}

#[test]
fn an_opt_in_rule_of_the_pack_is_off_by_default() {
    let config = load_sources(&[], true).unwrap();
    let explainer = Explainer::new(&config).unwrap();
    let raw = serde_json::to_vec(&event()).unwrap();
    let explanation = explainer.explain(&raw, Some("ssm-send-command")).unwrap();
    match &explanation.verdicts[0].reason {
        Reason::Disabled { by, would_match } => {
            assert!(
                by.starts_with("default (an opt-in rule, builtin/execution.yaml:"),
                "{by}"
            );
            assert!(!would_match);
        }
        other => panic!("{other:?}"),
    }
}
