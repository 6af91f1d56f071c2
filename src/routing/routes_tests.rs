//! Routing by the rule files' `routes:`: the file as users write it, loaded
//! with the rules it names, and the destinations each alert and digest gets.

use super::*;
use crate::decide::{Subject, Tally};
use crate::rules::load_sources;
use crate::testing::alert;

const RULES: &str = r#"
accounts:
  sandbox: ["444455556666"]
rules:
  - id: root-login
    title: Root sign-in
    severity: critical
    tags: [cis, iam]
    pattern: {source: [aws.signin]}
  - id: organizations-change
    title: Organizations change
    severity: high
    tags: [org]
    pattern: {source: [aws.organizations]}
  - id: vpc-change
    title: VPC change
    severity: medium
    tags: [network]
    pattern: {source: [aws.ec2]}
routes:
  - match: {account: [sandbox]}
    to: [alerts]
  - match: {severity: [critical]}
    to: [sms, alerts]
  - match: {rule: [organizations-change]}
    to: [platform]
storm-guard:
  sms: {max: 10, per: 1h}
"#;

fn router() -> Router {
    let rules = load_sources(&[("team.yaml".into(), RULES.into())], false).unwrap();
    let destination = |name: &str, min_severity| Destination {
        name: name.into(),
        topic_arn: format!("arn:aws:sns:us-east-1:111122223333:{name}"),
        min_severity,
    };
    Router::new(vec![
        destination("alerts", Severity::Low),
        destination("sms", Severity::Critical),
        destination("platform", Severity::Critical),
    ])
    .with_rules(&rules)
}

fn routed(router: &Router, rule: &str, severity: Severity, account: &str) -> Vec<String> {
    let mut a = alert(rule, severity);
    a.account = Some(account.into());
    a.rule.tags = router.rule_tags.get(rule).cloned().unwrap_or_default();
    router
        .route(&a)
        .into_iter()
        .map(|d| d.name.clone())
        .collect()
}

const PROD: &str = "111122223333";
const SANDBOX: &str = "444455556666";

#[test]
fn the_first_matching_route_decides_and_unmatched_alerts_go_by_severity() {
    let r = router();
    assert_eq!(
        routed(&r, "root-login", Severity::Critical, PROD),
        ["alerts", "sms"]
    );
    // The sandbox route comes first: a critical alert there is email only.
    assert_eq!(
        routed(&r, "root-login", Severity::Critical, SANDBOX),
        ["alerts"]
    );
    // Only platform, although `alerts` takes high alerts by severity.
    assert_eq!(
        routed(&r, "organizations-change", Severity::High, PROD),
        ["platform"]
    );
    // No route matches: severity routing, as without `routes:`.
    assert_eq!(routed(&r, "vpc-change", Severity::Medium, PROD), ["alerts"]);
    assert!(routed(&r, "vpc-change", Severity::Info, PROD).is_empty());
    assert_eq!(r.guard("sms").map(|g| g.max), Some(10));
    assert!(r.guard("alerts").is_none());
}

fn digest(rule: &str, severity: Severity, account: &str, kind: DigestKind) -> Digest {
    Digest {
        kind,
        subject: Subject {
            rule_id: rule.into(),
            title: rule.into(),
            severity,
            account: Some(account.into()),
            account_name: None,
        },
        key: format!("{rule}#k"),
        window_start: 0,
        window_end: 900,
        tally: Tally::default(),
    }
}

#[test]
fn digests_follow_their_rules_route_and_a_guards_digest_its_destination() {
    let r = router();
    let names = |d: &Digest| -> Vec<String> {
        r.digest_requests(d)
            .into_iter()
            .map(|x| x.destination)
            .collect()
    };
    let org = digest(
        "organizations-change",
        Severity::High,
        PROD,
        DigestKind::Repeats,
    );
    assert_eq!(names(&org), ["platform"]);
    let threshold = digest(
        "root-login",
        Severity::Critical,
        SANDBOX,
        DigestKind::Threshold { count: 5 },
    );
    assert_eq!(names(&threshold), ["alerts"]);
    let held = digest(
        "root-login",
        Severity::Critical,
        PROD,
        DigestKind::Held {
            destination: "sms".into(),
        },
    );
    assert_eq!(names(&held), ["sms"]);
}

#[test]
fn a_route_or_guard_naming_a_missing_destination_is_reported_where_written() {
    let rules = load_sources(&[("team.yaml".into(), RULES.into())], false).unwrap();
    let r = Router::new(crate::testing::destinations(
        crate::testing::ALERTS_TOPIC,
        crate::testing::SMS_TOPIC,
    ))
    .with_rules(&rules);
    let unknown: Vec<String> = r
        .unknown_destinations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        unknown,
        [
            "team.yaml:25: a route names destination `platform`, which is not configured (destinations: alerts, sms)"
        ]
    );
    // Unchecked, the route's alert still goes somewhere: by severity.
    assert_eq!(
        routed(&r, "organizations-change", Severity::High, PROD),
        ["alerts"]
    );
}
