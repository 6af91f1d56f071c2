//! The handler with its window table in a local DynamoDB and its topics in a
//! local SNS (moto): concurrent invocations, racing flushes, thresholds.
use std::sync::Arc;
use std::time::Duration;

use crate::support::moto::SentNotification;
use crate::support::sns::{Local, assert_deliverable, sdk_config};
use crate::support::state_table::new_table;
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::handler::Handler;
use cloudtrail_alerts::publish::SnsPublisher;
use cloudtrail_alerts::rules::load_sources;
use cloudtrail_alerts::state::dynamodb::{DynamoStore, dynamodb_client};
use futures::future::join_all;
use serde_json::{Value, json};

async fn handler(local: &Local) -> Handler<SnsPublisher, DynamoStore> {
    let engine = Engine::from_config(load_sources(&[], true).unwrap()).unwrap();
    // The function's client, with room for a local server that answers one
    // request at a time while fifty invocations queue on it.
    let sdk = sdk_config(&local.moto.endpoint).await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        dynamodb_client(&sdk)
            .config()
            .to_builder()
            .timeout_config(
                aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(30))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .operation_timeout(Duration::from_secs(120))
                    .build(),
            )
            .build(),
    );
    let table = new_table(&client).await;
    Handler::new(
        Arc::new(engine),
        SnsPublisher::new(local.sns.clone()),
        local.destinations(),
    )
    .with_state(Some(DynamoStore::new(client, table)))
}

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample event `n` seconds after `base`, with its own event id.
fn event_at(sample: &Value, n: u32, base: &str) -> Value {
    let mut e = sample.clone();
    let t = cloudtrail_alerts::decide::parse_time(base).unwrap() + i64::from(n);
    e["detail"]["eventTime"] = json!(cloudtrail_alerts::decide::time::format_time(t));
    e["detail"]["eventID"] = json!(format!("00000000-0000-0000-0000-{n:012}"));
    e["id"] = json!(format!("10000000-0000-0000-0000-{n:012}"));
    e
}

fn schedule(time: &str) -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/flush"],
        "detail": {}
    })
}

fn default_body(n: &SentNotification) -> Value {
    let bodies: Value = serde_json::from_str(&n.message).unwrap();
    serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn state_handler_fifty_concurrent_invocations_send_one_alert_then_racing_flushes_one_digest_of_49()
 {
    let local = Local::start_serial().await;
    let h = handler(&local).await;
    // A rule removed: only `security-group-change` fires (adding an open
    // admin port would also fire an exposure rule without dedup).
    let mut sg = sample("security-group-ingress-open");
    sg["detail"]["eventName"] = json!("RevokeSecurityGroupIngress");
    let events: Vec<Value> = (0..50)
        .map(|n| event_at(&sg, n, "2025-03-11T10:15:00Z"))
        .collect();
    let outcomes = join_all(events.into_iter().map(|e| h.handle(e))).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(local.moto.sent(&local.alerts.topic_arn).len(), 1);

    // Two flushes race, both after the 15-minute window.
    let flush = schedule("2025-03-11T10:31:00Z");
    let (a, b) = futures::join!(h.handle(flush.clone()), h.handle(flush));
    a.unwrap();
    b.unwrap();
    let sent = local.moto.sent(&local.alerts.topic_arn);
    assert_eq!(sent.len(), 2, "one alert and one digest");
    let digest = default_body(&sent[1]);
    assert_eq!(digest["delivery"], "digest");
    assert_eq!(digest["rule"], "security-group-change");
    assert_eq!(digest["count"], 49);
    // Which of the fifty went out first depends on the race; the digest
    // spans the others.
    let first = digest["first_time"].as_str().unwrap();
    let last = digest["last_time"].as_str().unwrap();
    assert!(
        ["2025-03-11T10:15:00Z", "2025-03-11T10:15:01Z"].contains(&first),
        "{first}"
    );
    assert!(
        ["2025-03-11T10:15:48Z", "2025-03-11T10:15:49Z"].contains(&last),
        "{last}"
    );
    for n in &sent {
        assert_deliverable(n, "security-group storm");
    }
    assert!(local.moto.sent(&local.sms.topic_arn).is_empty());
}

#[tokio::test]
async fn state_handler_four_failed_sign_ins_send_nothing_and_the_fifth_one_alert_naming_five() {
    let local = Local::start().await;
    let h = handler(&local).await;
    let failure = sample("console-login-failure");
    for n in 0..4 {
        h.handle(event_at(&failure, n * 60, "2025-03-11T07:00:00Z"))
            .await
            .unwrap();
    }
    assert!(local.moto.sent(&local.alerts.topic_arn).is_empty());
    h.handle(event_at(&failure, 360, "2025-03-11T07:00:00Z"))
        .await
        .unwrap();
    let sent = local.moto.sent(&local.alerts.topic_arn);
    assert_eq!(sent.len(), 1);
    let subject = sent[0].subject.clone().unwrap_or_default();
    assert!(
        subject.starts_with("[HIGH] 5 x Console sign-in failed"),
        "{subject}"
    );
    assert!(subject.contains("from 192.0.2.150 in 6 min"), "{subject}");
    assert_eq!(default_body(&sent[0])["threshold"], 5);
    assert_deliverable(&sent[0], "threshold");
}
