use serde_json::json;

use super::*;
use crate::decide::tests_support::alert;
use crate::decide::{Grouping, KeyPaths, Mode, key_values, tally};
use crate::rules::{LoadOptions, RuleConfig};
use crate::severity::Severity;

/// A realistic record: a security-group change with resources and a deep
/// request parameter a key can name.
fn record() -> Value {
    json!({
        "eventVersion": "1.09",
        "sourceIPAddress": "203.0.113.9",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob"},
        "requestParameters": {"groupId": "sg-0123", "ipPermissions": {"items": [{"ipProtocol": "tcp"}]}},
        "resources": [{"type": "AWS::EC2::SecurityGroup"}, {"ARN": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123"}],
        "responseElements": {"big": "x".repeat(10_000)}
    })
}

fn dedup_on(paths: &[&str]) -> Policy {
    Policy {
        mode: Mode::Live,
        grouping: Some(Grouping::Dedup {
            window: 900,
            key: KeyPaths(paths.iter().map(|p| p.to_string()).collect()),
        }),
    }
}

#[test]
fn keeping_only_what_decisions_read_changes_no_key_and_no_resource() {
    let policy = dedup_on(&[
        "account",
        "detail.requestParameters.groupId",
        "detail.userIdentity.arn",
        "detail.userIdentity",
        "detail.nothing.here",
    ]);
    let mut a = alert(1);
    a.record = record().into();
    a.request_fields.push(("Protocol".into(), "tcp".into()));
    a.rule.description = "long text".repeat(50);
    let paths = policy.grouping.as_ref().unwrap().key();
    let (key, resource) = (key_values(&a, paths), tally::resource(&a));
    keep_for_decisions(&mut a, Some(&policy));
    assert_eq!(key_values(&a, paths), key);
    assert_eq!(tally::resource(&a), resource);
    assert_eq!(
        resource.as_deref(),
        Some("arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123")
    );
    assert!(a.record.to_string().len() < 400, "{}", a.record);
    assert!(a.rule.description.is_empty());
}

#[test]
fn without_key_paths_or_resources_nothing_of_the_record_is_kept() {
    let mut a = alert(2);
    a.record = json!({"requestParameters": {"groupId": "sg-1"}}).into();
    a.request_fields.push(("Protocol".into(), "tcp".into()));
    let resource = tally::resource(&a);
    keep_for_decisions(&mut a, None);
    assert_eq!(*a.record, json!({}));
    assert_eq!(
        tally::resource(&a),
        resource,
        "request fields still name it"
    );
}

fn engine(yaml: &str) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yaml");
    std::fs::write(&path, yaml).unwrap();
    let config: RuleConfig = crate::rules::load(&LoadOptions {
        files: vec![path],
        builtin: false.into(),
    })
    .unwrap();
    Engine::from_config(config).unwrap()
}

fn router() -> Router {
    Router::new(vec![
        Destination {
            name: "alerts".into(),
            topic_arn: String::new(),
            min_severity: Severity::Info,
        },
        Destination {
            name: "sms".into(),
            topic_arn: String::new(),
            min_severity: Severity::High,
        },
    ])
}

#[derive(Default)]
struct Seen {
    alerts: Vec<(Option<Delivery>, Vec<String>, Vec<String>)>,
    digests: Vec<(u64, Vec<String>)>,
}

impl Sink for Seen {
    fn alert(&mut self, _: &Alert, fate: &Fate<'_>) {
        self.alerts.push((
            fate.recorded.map(|r| r.delivery),
            fate.sent_to.clone(),
            fate.held_by.clone(),
        ));
    }
    fn digest(&mut self, d: &Digest, sent_to: &[String]) {
        self.digests.push((d.tally.count, sent_to.to_vec()));
    }
}

const RULE: &str = r#"
rules:
  - id: security-group-change
    title: Security group changed
    severity: high
    pattern: {source: [aws.ec2]}
    dedup: {window: 15m}
"#;

fn storm(n: u32) -> Vec<Alert> {
    (0..n)
        .map(|i| {
            let mut a = alert(i);
            a.event_time = Some(format!("2025-03-11T10:{:02}:00Z", i % 60));
            a
        })
        .collect()
}

#[test]
fn a_storm_is_one_alert_to_each_destination_then_one_digest() {
    let engine = engine(RULE);
    let router = router();
    let mut deliverer = Deliverer::new(&engine, &router, true);
    let mut seen = Seen::default();
    for a in storm(10) {
        deliverer.push(&a, &mut seen);
    }
    deliverer.finish(&mut seen);
    let sent: Vec<_> = seen
        .alerts
        .iter()
        .filter(|a| a.0 == Some(Delivery::Sent))
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, ["alerts", "sms"]);
    assert_eq!(seen.digests, [(9, vec!["alerts".into(), "sms".into()])]);

    let mut raw = Deliverer::new(&engine, &router, false);
    let mut seen = Seen::default();
    for a in storm(10) {
        raw.push(&a, &mut seen);
    }
    raw.finish(&mut seen);
    assert_eq!(seen.alerts.len(), 10);
    assert!(
        seen.alerts
            .iter()
            .all(|a| a.0.is_none() && a.1 == ["alerts", "sms"])
    );
    assert!(seen.digests.is_empty());
}

#[test]
fn a_storm_guard_holds_alerts_past_its_limit_for_its_own_digest() {
    let engine = engine(
        r#"
storm-guard:
  sms: {max: 2, per: 1h}
rules:
  - id: security-group-change
    title: Security group changed
    severity: high
    pattern: {source: [aws.ec2]}
"#,
    );
    // The guards are the router's, from the rule files.
    let router = router().with_rules(engine.config());
    let mut deliverer = Deliverer::new(&engine, &router, true);
    let mut seen = Seen::default();
    for a in storm(5) {
        deliverer.push(&a, &mut seen);
    }
    deliverer.finish(&mut seen);
    let held = seen.alerts.iter().filter(|a| a.2 == ["sms"]).count();
    assert_eq!(held, 3);
    assert!(seen.alerts.iter().all(|a| a.1.contains(&"alerts".into())));
    assert_eq!(seen.digests, [(3, vec!["sms".into()])]);
}

fn counted(vars: &[(&str, &str)]) -> Vec<(String, Severity)> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    counted_router(&vars)
        .unwrap()
        .destinations()
        .iter()
        .map(|d| (d.name.clone(), d.min_severity))
        .collect()
}

#[test]
fn a_replay_counts_for_the_deployed_destinations_or_the_usual_two() {
    let two = |main, sms| vec![("alerts".to_string(), main), ("sms".to_string(), sms)];
    assert_eq!(counted(&[]), two(Severity::Info, Severity::Critical));
    assert_eq!(
        counted(&[("SMS_MIN_SEVERITY", "high")]),
        two(Severity::Info, Severity::High)
    );
    assert_eq!(
        counted(&[("ALERT_MIN_SEVERITY", "medium"), ("HOME", "/root")]),
        two(Severity::Medium, Severity::Critical)
    );
    // A deployment without an SMS topic has no `sms` to count.
    assert_eq!(
        counted(&[(
            "ALERT_TOPIC_ARN",
            "arn:aws:sns:eu-west-1:111122223333:alerts"
        )]),
        vec![("alerts".to_string(), Severity::Info)]
    );
    assert_eq!(
        counted(&[(
            "EXTRA_DESTINATIONS",
            "soc=arn:aws:sns:us-east-1:111122223333:soc@high"
        )]),
        vec![
            ("alerts".to_string(), Severity::Info),
            ("soc".to_string(), Severity::High)
        ]
    );
    let bad = vec![("ALERT_MIN_SEVERITY".to_string(), "loud".to_string())];
    assert!(counted_router(&bad).is_err());
}
