//! The function and `cloudtrail-alerts render` route alike: the same rule
//! file (with `routes:`) and the same events give each destination the same
//! messages, alerts and digests, through the handler publishing to a local
//! SNS (moto) with its windows in a local DynamoDB, and through `render`.
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::support::cli;
use crate::support::sns::{Local, sdk_config};
use crate::support::state_table::new_table;
use crate::support::storm;
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::handler::Handler;
use cloudtrail_alerts::publish::SnsPublisher;
use cloudtrail_alerts::rules::load_sources;
use cloudtrail_alerts::state::dynamodb::{DynamoStore, dynamodb_client};
use serde_json::{Value, json};

/// Security-group changes (medium, deduplicated) page as well as mail; the
/// sandbox account's critical alerts are mail only, although `sms` takes
/// every critical alert by severity; mail takes 2 alerts an hour, then holds
/// the rest for its storm guard's digest.
const ROUTES: &str = r#"
accounts:
  sandbox: ["111122223333"]
routes:
  - match: {rule: [security-group-change]}
    to: [sms, alerts]
  - match: {account: [sandbox], severity: [critical]}
    to: [alerts]
storm-guard:
  alerts: {max: 2, per: 1h}
"#;

/// 30 events of the storm, a root sign-in and a VPC creation inside its
/// window, all in account 111122223333.
fn events() -> Vec<Value> {
    let mut events: Vec<Value> = (0..30).map(storm::event).collect();
    for (name, n) in [("root-console-login", 1), ("vpc-create", 2)] {
        let path = crate::support::root().join(format!("events/{name}.json"));
        let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let t = cloudtrail_alerts::decide::parse_time(storm::START).unwrap() + 60 + n;
        e["detail"]["eventTime"] = json!(cloudtrail_alerts::decide::time::format_time(t));
        e["time"] = e["detail"]["eventTime"].clone();
        events.push(e);
    }
    events
}

/// Per topic, each message's subject and bodies, in publish order.
type Sent = BTreeMap<String, Vec<(Option<String>, Value)>>;

#[tokio::test]
async fn routes_the_function_and_render_send_each_destination_the_same_messages() {
    let local = Local::start().await;
    let rules = load_sources(&[("routes.yaml".into(), ROUTES.into())], true).unwrap();
    let engine = Engine::from_config(rules).unwrap();
    let client = dynamodb_client(&sdk_config(&local.moto.endpoint).await);
    let table = new_table(&client).await;
    let handler = Handler::new(
        Arc::new(engine),
        SnsPublisher::new(local.sns.clone()),
        local.destinations(),
    )
    .with_state(Some(DynamoStore::new(client, table)));
    for event in events() {
        handler.handle(event).await.unwrap();
    }
    handler
        // After the storm's window and the storm guard's hour (10:00-11:00).
        .handle(storm::schedule("2025-03-11T11:01:00Z"))
        .await
        .unwrap();

    let topics = [&local.alerts.topic_arn, &local.sms.topic_arn];
    let function: Sent = topics
        .iter()
        .map(|arn| {
            let sent = local.moto.sent(arn);
            let messages = sent
                .into_iter()
                .map(|n| (n.subject, serde_json::from_str(&n.message).unwrap()))
                .collect();
            (arn.to_string(), messages)
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let rules_file = cli::write(dir.path(), "routes.yaml", ROUTES.as_bytes());
    let ndjson: String = events().iter().map(|e| format!("{e}\n")).collect();
    let input = cli::write(dir.path(), "events.ndjson", ndjson.as_bytes());
    let run = cli::run(&[
        "render",
        "--rules",
        &rules_file,
        "--topic-arn",
        &local.alerts.topic_arn,
        "--sms-topic-arn",
        &local.sms.topic_arn,
        &input,
    ]);
    run.assert_code(0);
    let mut render: Sent = topics.iter().map(|arn| (arn.to_string(), vec![])).collect();
    for line in run.json_lines() {
        let subject = line["subject"].as_str().map(str::to_string);
        let topic = line["topic_arn"].as_str().unwrap().to_string();
        render
            .entry(topic)
            .or_default()
            .push((subject, line["message"].clone()));
    }

    // Alerts in publish order; a flush's digests in the order the store
    // finds them (the CLI prints them by window end), so compared sorted.
    let kinds = |sent: &[(Option<String>, Value)]| -> Vec<String> {
        let mut kinds: Vec<String> = sent
            .iter()
            .map(|(_, m)| {
                let body: Value = serde_json::from_str(m["default"].as_str().unwrap()).unwrap();
                match body["kind"].as_str() {
                    Some("held") => format!("digest held for {}", body["destination"]),
                    Some(kind) => format!("digest ({kind}) of {}", body["rule"]),
                    None => format!("alert of {}", body["rule"]),
                }
            })
            .collect();
        kinds.sort();
        kinds
    };
    // What the routes and the guard promise, before comparing the two paths:
    // root-account-usage is critical, so mail only by the sandbox route; the
    // VPC change is mail's third alert of the hour, held by its storm guard.
    assert_eq!(
        kinds(&function[&local.sms.topic_arn]),
        [
            r#"alert of "security-group-change""#,
            r#"digest (repeats) of "security-group-change""#
        ]
    );
    assert_eq!(
        kinds(&function[&local.alerts.topic_arn]),
        [
            r#"alert of "root-account-usage""#,
            r#"alert of "security-group-change""#,
            r#"digest (repeats) of "security-group-change""#,
            r#"digest held for "alerts""#,
        ]
    );
    let sorted = |mut sent: Sent| {
        for list in sent.values_mut() {
            list.sort_by_key(|(s, m)| (s.clone(), m.to_string()));
        }
        sent
    };
    assert_eq!(sorted(function), sorted(render));
}
