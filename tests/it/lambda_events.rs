//! Every sample event and every hostile event through the handler, with the
//! built-in rules, into a real local SNS (moto): what each subscriber gets.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::support::samples::SAMPLE_ALERTS;
use crate::support::sns::{Local, SentNotification, assert_deliverable, drain};
use crate::support::{self, read_json, root};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use cloudtrail_alerts::config::{LambdaConfig, load_engine};
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::handler::{Handler, HandlerError};
use cloudtrail_alerts::publish::SnsPublisher;
use serde_json::{Value, json};

struct Function {
    local: Local,
    engine: Arc<Engine>,
    handler: Handler<SnsPublisher>,
    config: LambdaConfig,
}

/// The function as deployed with only the two topics configured.
async fn function() -> Function {
    let local = Local::start().await;
    let config = LambdaConfig::from_vars([
        ("ALERT_TOPIC_ARN", local.alerts.topic_arn.as_str()),
        ("SMS_TOPIC_ARN", local.sms.topic_arn.as_str()),
        ("ACCOUNT_NAMES", "prod=111122223333"),
    ])
    .unwrap();
    let engine = Arc::new(load_engine(&config).unwrap());
    let handler = Handler::new(
        Arc::clone(&engine),
        SnsPublisher::new(local.sns.clone()),
        config.destinations.clone(),
    );
    Function {
        local,
        engine,
        handler,
        config,
    }
}

fn json_files(dir: &str) -> Vec<PathBuf> {
    let dir = root().join(dir);
    let files = support::json_files(&dir);
    assert!(!files.is_empty(), "no events in {}", dir.display());
    files
}

/// A scheduled event, whose shape AWS fixes: read through the published
/// EventBridge event type so the test cannot invent fields AWS never sends.
fn scheduled_event() -> Value {
    let event: EventBridgeEvent = serde_json::from_value(json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "111122223333",
        "time": "2024-05-01T12:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:111122223333:rule/digest"],
        "detail": {}
    }))
    .expect("an EventBridge event");
    serde_json::to_value(event).expect("serialize")
}

/// (subject, per-protocol bodies) of a message, to compare what SNS got
/// with what the renderer meant to send regardless of publish order.
fn key(subject: Option<&str>, bodies: Value) -> (Option<String>, String) {
    (subject.map(str::to_string), bodies.to_string())
}

/// The rule id of each message, read from the `default` body subscribers get.
fn rules_of(sent: &[SentNotification]) -> Vec<String> {
    let mut rules: Vec<String> = sent
        .iter()
        .map(|n| {
            let bodies: Value = serde_json::from_str(&n.message).unwrap();
            let default: Value = serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap();
            default["rule"].as_str().unwrap().to_string()
        })
        .collect();
    rules.sort();
    rules
}

/// The sample events whose alerts are critical, so also go by SMS (the SMS
/// topic's default minimum), and which rule each sends: from the severities
/// README's rule table gives the built-in rules.
const SMS_ALERTS: &[(&str, &[&str])] = &[
    ("cloudtrail-log-file", &["root-account-usage"]),
    ("cloudtrail-stop-logging", &["cloudtrail-config-change"]),
    (
        "organizations-leave",
        &["organization-leave", "root-account-usage"],
    ),
    ("root-console-login", &["root-account-usage"]),
    ("s3-put-bucket-policy", &["s3-bucket-policy-public"]),
];

fn sent_keys(sent: &[SentNotification]) -> Vec<(Option<String>, String)> {
    let mut keys: Vec<_> = sent
        .iter()
        .map(|n| {
            key(
                n.subject.as_deref(),
                serde_json::from_str(&n.message).unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys
}

impl Function {
    /// Handle one event; check that each topic received exactly the rendered
    /// requests meant for it and that every message is deliverable. Returns
    /// (alerts, rules of the messages on the main topic, on the SMS topic).
    async fn check(&self, name: &str, event: Value) -> (usize, Vec<String>, Vec<String>) {
        let alerts = self.engine.evaluate_value(&event).unwrap().alerts;
        let main_before = self.local.moto.sent(&self.local.alerts.topic_arn).len();
        let sms_before = self.local.moto.sent(&self.local.sms.topic_arn).len();

        let outcome = self
            .handler
            .handle(event)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.alerts, alerts.len(), "{name}");

        let mut expected: BTreeMap<String, Vec<(Option<String>, String)>> = BTreeMap::new();
        for alert in &alerts {
            for req in self.config.router().publish_requests(alert) {
                expected
                    .entry(req.destination.clone())
                    .or_default()
                    .push(key(
                        req.subject.as_deref(),
                        serde_json::to_value(&req.message).unwrap(),
                    ));
            }
        }
        let main = self.local.moto.sent(&self.local.alerts.topic_arn)[main_before..].to_vec();
        let sms = self.local.moto.sent(&self.local.sms.topic_arn)[sms_before..].to_vec();
        for (dest, sent) in [("alerts", &main), ("sms", &sms)] {
            let mut want = expected.remove(dest).unwrap_or_default();
            want.sort();
            assert_eq!(sent_keys(sent), want, "{name}: what topic {dest} received");
            for n in sent {
                assert_deliverable(n, &format!("{name} to {dest}"));
            }
        }

        // The SQS subscriber of the main topic gets SNS's envelope around the
        // `default` body, with the subject.
        let queued = drain(&self.local.sqs, &self.local.alerts.queue_url).await;
        assert_eq!(queued.len(), main.len(), "{name}: main queue");
        for envelope in &queued {
            let original = main
                .iter()
                .find(|n| n.message_id == envelope.message_id)
                .unwrap_or_else(|| panic!("{name}: unknown message {envelope:?}"));
            let bodies: Value = serde_json::from_str(&original.message).unwrap();
            assert_eq!(
                Some(envelope.message.as_str()),
                bodies["default"].as_str(),
                "{name}"
            );
            assert_eq!(
                envelope.subject.as_deref(),
                original.subject.as_deref(),
                "{name}"
            );
        }
        let queued_sms = drain(&self.local.sqs, &self.local.sms.queue_url).await;
        assert_eq!(queued_sms.len(), sms.len(), "{name}: SMS queue");
        (alerts.len(), rules_of(&main), rules_of(&sms))
    }
}

#[tokio::test]
async fn every_sample_event_reaches_the_subscribers_that_want_it() {
    let f = function().await;
    let mut results = BTreeMap::new();
    for path in json_files("events") {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let event = read_json(&path);
        // EventBridge hands the function one record at a time, so a log
        // file's records arrive one by one.
        let events = match event.get("Records").and_then(Value::as_array) {
            Some(records) => records.clone(),
            None => vec![event],
        };
        let (mut main, mut sms) = (Vec::new(), Vec::new());
        for event in events {
            let (_, m, s) = f.check(&name, event).await;
            main.extend(m);
            sms.extend(s);
        }
        results.insert(name, (main, sms));
    }
    let sample_names: Vec<&String> = results.keys().collect();
    let table_names: Vec<&str> = SAMPLE_ALERTS.iter().map(|(n, _)| *n).collect();
    assert_eq!(sample_names, table_names, "events/ and SAMPLE_ALERTS");
    for (name, rules) in SAMPLE_ALERTS {
        let (main, sms) = &results[*name];
        let mut want_main: Vec<&str> = rules.to_vec();
        want_main.sort_unstable();
        assert_eq!(main, &want_main, "{name}: the main topic gets every alert");
        let mut want_sms: Vec<&str> = SMS_ALERTS
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Vec::new(), |(_, r)| r.to_vec());
        want_sms.sort_unstable();
        assert_eq!(
            sms, &want_sms,
            "{name}: the SMS topic gets critical alerts only"
        );
    }
}

#[tokio::test]
async fn the_main_topic_severity_threshold_is_honoured() {
    let local = Local::start().await;
    let config = LambdaConfig::from_vars([
        ("ALERT_TOPIC_ARN", local.alerts.topic_arn.as_str()),
        ("ALERT_MIN_SEVERITY", "high"),
    ])
    .unwrap();
    let engine = Arc::new(load_engine(&config).unwrap());
    let handler = Handler::new(
        engine,
        SnsPublisher::new(local.sns.clone()),
        config.destinations.clone(),
    );
    let events = root().join("events");
    let medium = handler
        .handle(read_json(&events.join("vpc-create.json")))
        .await
        .unwrap();
    assert_eq!((medium.alerts, medium.published.len()), (1, 0));
    let high = handler
        .handle(read_json(&events.join("iam-put-role-policy.json")))
        .await
        .unwrap();
    assert_eq!((high.alerts, high.published.len()), (1, 1));
    assert_eq!(local.moto.sent(&local.alerts.topic_arn).len(), 1);
}

#[tokio::test]
async fn hostile_events_still_alert_with_safe_messages() {
    let f = function().await;
    let mut fired = 0;
    for path in json_files("tests/render_fixtures/hostile") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (alerts, main, _) = f.check(&name, read_json(&path)).await;
        assert_eq!(
            main.len(),
            alerts,
            "{name}: every alert reached the main topic"
        );
        fired += usize::from(alerts > 0);
    }
    assert!(fired >= 3, "only {fired} hostile events fired");
    // A forged line stays inside its field: no subscriber sees a second
    // "Severity:" line claiming the alert is harmless.
    for n in f.local.moto.sent(&f.local.alerts.topic_arn) {
        let bodies: Value = serde_json::from_str(&n.message).unwrap();
        let email = bodies["email"].as_str().unwrap();
        let severity_lines = email
            .lines()
            .filter(|l| l.trim_start().starts_with("Severity:"))
            .count();
        assert!(severity_lines <= 1, "forged line in:\n{email}");
    }
}

#[tokio::test]
async fn a_huge_deeply_nested_event_is_published_whole_not_as_a_fallback() {
    let f = function().await;
    let mut event = read_json(&root().join("events/root-console-login.json"));
    let mut nested = json!("bottom");
    for i in 0..60 {
        nested = json!({ format!("level{i}"): nested, "pad": "\u{202e}x\n".repeat(50) });
    }
    event["detail"]["userAgent"] = json!("Mozilla\u{1b}[31m\r\n".repeat(20_000));
    event["detail"]["requestParameters"] = nested;
    assert!(event.to_string().len() > 200_000);

    let (alerts, main, sms) = f.check("huge event", event).await;
    assert_eq!(alerts, 1);
    assert_eq!(main, ["root-account-usage"]);
    assert_eq!(sms, ["root-account-usage"]);
    for n in f
        .local
        .moto
        .sent(&f.local.alerts.topic_arn)
        .iter()
        .chain(&f.local.moto.sent(&f.local.sms.topic_arn))
    {
        assert!(n.message.len() < 256 * 1024, "{} bytes", n.message.len());
        let bodies: Value = serde_json::from_str(&n.message).unwrap();
        let default: Value = serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap();
        assert_ne!(
            default["fallback"], true,
            "the full alert, not the fallback"
        );
    }
}

#[tokio::test]
async fn events_that_cannot_be_read_fail_and_publish_nothing() {
    let f = function().await;
    for event in [json!("ConsoleLogin"), json!([1, 2]), json!(null), json!(42)] {
        let err = f.handler.handle(event.clone()).await.unwrap_err();
        assert!(
            matches!(err, HandlerError::InvalidEvent(_)),
            "{event}: {err}"
        );
        assert_eq!(err.error_type(), "InvalidEvent");
        assert!(err.to_string().contains("not a JSON object"), "{err}");
    }
    let ok = f.handler.handle(scheduled_event()).await.unwrap();
    assert_eq!((ok.alerts, ok.published.len()), (0, 0));
    assert!(f.local.moto.sent(&f.local.alerts.topic_arn).is_empty());
    assert!(f.local.moto.sent(&f.local.sms.topic_arn).is_empty());
}

#[tokio::test]
async fn extra_destinations_get_the_alerts_at_or_above_their_severity() {
    let local = Local::start().await;
    let soc = support::sns::topic_with_queue(
        &local.sns,
        &local.sqs,
        &format!("{}-soc", local.alerts.topic_arn.rsplit(':').next().unwrap()),
    )
    .await;
    let audit = support::sns::topic_with_queue(
        &local.sns,
        &local.sqs,
        &format!(
            "{}-audit",
            local.alerts.topic_arn.rsplit(':').next().unwrap()
        ),
    )
    .await;
    let extra = format!("soc={}@high, audit={}", soc.topic_arn, audit.topic_arn);
    let config = LambdaConfig::from_vars([
        ("ALERT_TOPIC_ARN", local.alerts.topic_arn.as_str()),
        ("ALERT_MIN_SEVERITY", "critical"),
        ("EXTRA_DESTINATIONS", extra.as_str()),
    ])
    .unwrap();
    let engine = Arc::new(load_engine(&config).unwrap());
    let handler = Handler::new(
        engine,
        SnsPublisher::new(local.sns.clone()),
        config.destinations.clone(),
    );
    let events = root().join("events");
    for sample in ["root-console-login", "iam-put-role-policy", "vpc-create"] {
        handler
            .handle(read_json(&events.join(format!("{sample}.json"))))
            .await
            .unwrap_or_else(|e| panic!("{sample}: {e}"));
    }
    // critical, high and medium alerts: each topic keeps its own minimum.
    let main = rules_of(&local.moto.sent(&local.alerts.topic_arn));
    assert_eq!(main, ["root-account-usage"]);
    let soc_sent = local.moto.sent(&soc.topic_arn);
    assert_eq!(
        rules_of(&soc_sent),
        ["iam-policy-change", "root-account-usage"]
    );
    let audit_sent = local.moto.sent(&audit.topic_arn);
    assert_eq!(
        rules_of(&audit_sent),
        ["iam-policy-change", "root-account-usage", "vpc-change"]
    );
    for n in soc_sent.iter().chain(&audit_sent) {
        assert_deliverable(n, "extra destination");
    }
    // Their subscribers get the messages too.
    assert_eq!(drain(&local.sqs, &soc.queue_url).await.len(), 2);
    assert_eq!(drain(&local.sqs, &audit.queue_url).await.len(), 3);
}
