//! The publisher and handler against a real local SNS (moto), with SQS
//! queues subscribed to the topics as subscribers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::sns::{self, ClosedPort, Local, drain, sdk_config};
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::handler::{Handler, HandlerError, PublishFailure, Published};
use cloudtrail_alerts::metrics::InvocationMetrics;
use cloudtrail_alerts::publish::{PublishError, Publisher, SnsPublisher, sns_client};
use cloudtrail_alerts::render::{Messages, PublishRequest};
use cloudtrail_alerts::rules::RuleConfig;
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::testing::alert;
use serde_json::{Value, json};

fn request(topic_arn: &str) -> PublishRequest {
    PublishRequest {
        rule: "root-console-login".into(),
        destination: "alerts".into(),
        topic_arn: topic_arn.into(),
        subject: Some("[CRITICAL] Root account usage: ConsoleLogin in prod (111122223333)".into()),
        message: Messages {
            default: json!({"rule": "root-console-login", "severity": "critical"}).to_string(),
            email: "Root account usage\n\nWho: root\nWhere: prod (111122223333)".into(),
            sms: "CRITICAL root ConsoleLogin prod from 203.0.113.7".into(),
            https: json!({"version": "1.0", "source": "custom", "content": {"title": "Root", "description": "x"}}).to_string(),
        },
        attributes: [
            ("severity".to_string(), "critical".to_string()),
            ("rule".to_string(), "root-console-login".to_string()),
            ("empty".to_string(), String::new()),
        ]
        .into_iter()
        .collect(),
    }
}

#[tokio::test]
async fn one_publish_carries_a_body_per_protocol_and_queues_get_the_default() {
    let local = Local::start().await;
    let publisher = SnsPublisher::new(local.sns.clone());
    let req = request(&local.alerts.topic_arn);
    let message_id = publisher.publish(&req).await.unwrap();
    assert!(!message_id.is_empty());

    let sent = local.moto.sent(&local.alerts.topic_arn);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message_id, message_id);
    assert_eq!(sent[0].subject, req.subject);
    let bodies: Value = serde_json::from_str(&sent[0].message).unwrap();
    assert_eq!(bodies, serde_json::to_value(&req.message).unwrap());
    assert_eq!(
        sent[0].attributes,
        json!({"severity": {"Type": "String", "Value": "critical"},
               "rule": {"Type": "String", "Value": "root-console-login"}}),
        "empty attributes are left out, the others are Strings"
    );

    let got = drain(&local.sqs, &local.alerts.queue_url).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message, req.message.default);
    assert_eq!(got[0].subject, req.subject);
    assert_eq!(got[0].message_id, message_id);
    assert!(drain(&local.sqs, &local.sms.queue_url).await.is_empty());
}

#[tokio::test]
async fn critical_alerts_reach_the_sms_topic_and_medium_ones_only_the_main_topic() {
    let local = Local::start().await;
    let handler = local.handler(SnsPublisher::new(local.sns.clone()));
    let mut counts = InvocationMetrics::default();
    let published = handler
        .publish_alerts(
            &[
                alert("root-console-login", Severity::Critical),
                alert("iam-user-created", Severity::Medium),
            ],
            &mut counts,
        )
        .await
        .unwrap();
    assert_eq!(published.len(), 3);

    let main = drain(&local.sqs, &local.alerts.queue_url).await;
    let sms = drain(&local.sqs, &local.sms.queue_url).await;
    assert_eq!(main.len(), 2);
    assert_eq!(sms.len(), 1);
    let sms_sent = local.moto.sent(&local.sms.topic_arn);
    assert_eq!(sms_sent.len(), 1);
    assert_eq!(sms_sent[0].message_id, sms[0].message_id);
    assert_eq!(
        sms_sent[0].attributes["rule"]["Value"], "root-console-login",
        "the SMS topic got the critical alert"
    );
    for n in local
        .moto
        .sent(&local.alerts.topic_arn)
        .iter()
        .chain(&sms_sent)
    {
        sns::assert_deliverable(n, "hand-built alert");
    }
    assert_eq!(counts.alerts_published.len(), 2);
}

#[tokio::test]
async fn sns_down_makes_the_invocation_fail() {
    let local = Local::start().await;
    let closed = ClosedPort::new();
    let sdk = sdk_config(&format!("http://127.0.0.1:{}", closed.port)).await;
    let handler = local.handler(SnsPublisher::new(sns_client(&sdk)));
    let mut counts = InvocationMetrics::default();
    let err = handler
        .publish_alerts(&[alert("iam-user-created", Severity::Medium)], &mut counts)
        .await
        .unwrap_err();
    let (failures, published) = publish_failures(&err);
    assert!(published.is_empty());
    assert_eq!(failures.len(), 1);
    assert!(
        matches!(failures[0].error, PublishError::Unreachable { .. }),
        "{:?}",
        failures[0].error
    );
    assert!(
        err.to_string().contains("rule iam-user-created to alerts"),
        "{err}"
    );
    assert_eq!(counts.publish_failures.get("alerts"), Some(&1));
}

#[tokio::test]
async fn an_error_from_sns_makes_the_invocation_fail_and_the_rest_still_go_out() {
    let local = Local::start().await;
    let mut destinations = local.destinations();
    destinations[1].topic_arn = format!("arn:aws:sns:us-east-1:{}:never-created", sns::ACCOUNT);
    let engine = Engine::from_config(RuleConfig::default()).unwrap();
    let handler = Handler::new(
        Arc::new(engine),
        SnsPublisher::new(local.sns.clone()),
        destinations,
    );
    let mut counts = InvocationMetrics::default();
    let err = handler
        .publish_alerts(
            &[alert("root-console-login", Severity::Critical)],
            &mut counts,
        )
        .await
        .unwrap_err();
    let (failures, published) = publish_failures(&err);
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].destination, "sms");
    assert!(
        matches!(&failures[0].error, PublishError::Rejected { code, .. } if code == "NotFound"),
        "{:?}",
        failures[0].error
    );
    assert_eq!(published.len(), 1, "the main topic still got the alert");
    assert_eq!(drain(&local.sqs, &local.alerts.queue_url).await.len(), 1);
}

/// Makes the first request one SNS refuses (a 101-character subject), so the
/// real SNS answers InvalidParameter.
struct FirstRequestInvalid {
    inner: SnsPublisher,
    calls: AtomicUsize,
}

impl Publisher for FirstRequestInvalid {
    async fn publish(&self, request: &PublishRequest) -> Result<String, PublishError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            let mut bad = request.clone();
            bad.subject = Some("x".repeat(101));
            self.inner.publish(&bad).await
        } else {
            self.inner.publish(request).await
        }
    }
}

#[tokio::test]
async fn a_message_sns_refuses_as_invalid_is_replaced_by_the_fallback() {
    let local = Local::start().await;
    let handler = local.handler(FirstRequestInvalid {
        inner: SnsPublisher::new(local.sns.clone()),
        calls: AtomicUsize::new(0),
    });
    let mut counts = InvocationMetrics::default();
    let a = alert("iam-user-created", Severity::Medium);
    let published = handler
        .publish_alerts(std::slice::from_ref(&a), &mut counts)
        .await
        .unwrap();
    assert_eq!(published.len(), 1);
    assert!(published[0].fallback);

    let sent = local.moto.sent(&local.alerts.topic_arn);
    assert_eq!(sent.len(), 1, "only the fallback reached SNS");
    // The fallback says only which rule, how severe, where and which event.
    let bodies: Value = serde_json::from_str(&sent[0].message).unwrap();
    let default: Value = serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap();
    let keys: Vec<&String> = default.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "account", "event_id", "fallback", "note", "rule", "severity"
        ]
    );
    assert_eq!(default["rule"], "iam-user-created");
    assert_eq!(default["severity"], "medium");
    assert_eq!(default["fallback"], true);
    assert_eq!(default["account"].as_str(), a.account.as_deref());
    assert_eq!(default["event_id"].as_str(), a.event_id.as_deref());
    let sms = bodies["sms"].as_str().unwrap();
    assert!(
        sms.starts_with("MEDIUM: rule iam-user-created in "),
        "{sms}"
    );
    assert!(
        bodies["email"]
            .as_str()
            .unwrap()
            .starts_with("MEDIUM: alert from rule iam-user-created\n"),
        "{bodies}"
    );
    sns::assert_deliverable(&sent[0], "fallback");
    assert_eq!(drain(&local.sqs, &local.alerts.queue_url).await.len(), 1);
}

/// The failed and the published requests of an invocation that failed to publish.
fn publish_failures(err: &HandlerError) -> (&[PublishFailure], &[Published]) {
    match err {
        HandlerError::Publish {
            failures,
            published,
        } => (failures, published),
        other => panic!("not a publish failure: {other}"),
    }
}
