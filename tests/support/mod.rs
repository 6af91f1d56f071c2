//! Shared by the Lambda integration tests: a local SNS (moto), topics with
//! SQS subscribers, and checks on what subscribers receive.
#![allow(dead_code, unused_imports)]

pub mod moto;
pub mod runtime_api;
pub mod state_table;

use aws_sdk_sns::config::{Credentials, Region};
use serde_json::Value;

pub use moto::{Moto, SentNotification};

pub const ACCOUNT: &str = "123456789012";

/// AWS configuration pointing at the local server with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A topic with an SQS queue subscribed to it (raw delivery off, so the
/// queue receives SNS's notification envelope with the `default` body).
pub struct Subscribed {
    pub topic_arn: String,
    pub queue_url: String,
}

pub async fn topic_with_queue(
    sns: &aws_sdk_sns::Client,
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> Subscribed {
    let topic_arn = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("create topic")
        .topic_arn()
        .expect("topic arn")
        .to_string();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{name}-queue"))
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .expect("queue url")
        .to_string();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("queue arn")
        .to_string();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .expect("subscribe");
    Subscribed {
        topic_arn,
        queue_url,
    }
}

/// Every SNS notification envelope waiting in the queue (removed from it).
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = got.messages();
        if messages.is_empty() {
            return out;
        }
        for m in messages {
            let body = m.body().unwrap_or_default();
            out.push(serde_json::from_str(body).expect("SNS envelope is JSON"));
            if let Some(handle) = m.receipt_handle() {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete");
            }
        }
    }
}

pub fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// What every subscriber of a message gets must be safe and well formed:
/// Subject 1–100 printable ASCII, SMS ≤ 140 printable ASCII, chat and
/// default bodies valid JSON.
pub fn assert_deliverable(n: &SentNotification, context: &str) {
    if let Some(subject) = &n.subject {
        assert!(
            (1..=100).contains(&subject.len()) && printable_ascii(subject),
            "{context}: bad subject {subject:?}"
        );
    }
    let bodies: Value = serde_json::from_str(&n.message)
        .unwrap_or_else(|e| panic!("{context}: Message is not JSON ({e}): {}", n.message));
    let sms = bodies["sms"].as_str().expect("sms body");
    assert!(
        !sms.is_empty() && sms.len() <= 140 && printable_ascii(sms),
        "{context}: bad SMS {sms:?}"
    );
    let email = bodies["email"].as_str().expect("email body");
    assert!(!email.is_empty(), "{context}: empty email body");
    let chat: Value = serde_json::from_str(bodies["https"].as_str().expect("https body"))
        .unwrap_or_else(|e| panic!("{context}: chat body is not JSON: {e}"));
    assert_eq!(chat["version"], "1.0", "{context}: chat {chat}");
    assert_eq!(chat["source"], "custom", "{context}: chat {chat}");
    let _: Value = serde_json::from_str(bodies["default"].as_str().expect("default body"))
        .unwrap_or_else(|e| panic!("{context}: default body is not JSON: {e}"));
}

/// A local SNS with two topics, `alerts` and `alerts-sms`, each with an SQS
/// queue subscribed.
pub struct Local {
    pub moto: Moto,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub alerts: Subscribed,
    pub sms: Subscribed,
}

impl Local {
    pub async fn start() -> Local {
        Local::on(Moto::start()).await
    }

    /// The same on a moto that serves one request at a time (for tests of
    /// DynamoDB conditional writes under concurrency).
    pub async fn start_serial() -> Local {
        Local::on(Moto::start_serial()).await
    }

    async fn on(moto: Moto) -> Local {
        let sdk = sdk_config(&moto.endpoint).await;
        let sns = cloudtrail_alerts::publish::sns_client(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let alerts = topic_with_queue(&sns, &sqs, "alerts").await;
        let sms = topic_with_queue(&sns, &sqs, "alerts-sms").await;
        Local {
            moto,
            sns,
            sqs,
            alerts,
            sms,
        }
    }

    /// `alerts` for every severity, `sms` for critical alerts only.
    pub fn destinations(&self) -> Vec<cloudtrail_alerts::routing::Destination> {
        vec![
            cloudtrail_alerts::routing::Destination {
                name: "alerts".into(),
                topic_arn: self.alerts.topic_arn.clone(),
                min_severity: cloudtrail_alerts::severity::Severity::Info,
            },
            cloudtrail_alerts::routing::Destination {
                name: "sms".into(),
                topic_arn: self.sms.topic_arn.clone(),
                min_severity: cloudtrail_alerts::severity::Severity::Critical,
            },
        ]
    }

    /// A handler over `publisher` with no rules, for tests that start after evaluation.
    pub fn handler<P: cloudtrail_alerts::publish::Publisher>(
        &self,
        publisher: P,
    ) -> cloudtrail_alerts::handler::Handler<P> {
        let engine = cloudtrail_alerts::engine::Engine::from_config(Default::default()).unwrap();
        cloudtrail_alerts::handler::Handler::new(
            std::sync::Arc::new(engine),
            publisher,
            self.destinations(),
        )
    }
}

/// A hand-built alert, for tests that start after evaluation.
pub fn alert(
    rule: &str,
    severity: cloudtrail_alerts::severity::Severity,
) -> cloudtrail_alerts::alert::Alert {
    use cloudtrail_alerts::alert::{Alert, Principal, RuleInfo};
    Alert {
        rule: RuleInfo {
            id: rule.to_string(),
            title: format!("Test rule {rule}"),
            description: "A rule for tests.".to_string(),
            severity,
            runbook: None,
            references: vec![],
            tags: vec![],
        },
        event_id: Some(format!("00000000-0000-0000-0000-{:0>12}", rule.len())),
        event_name: Some("ConsoleLogin".into()),
        event_source: Some("signin.amazonaws.com".into()),
        event_type: Some("AwsConsoleSignIn".into()),
        detail_type: Some("AWS Console Sign In via CloudTrail".into()),
        event_time: Some("2024-05-01T12:00:00Z".into()),
        account: Some("111122223333".into()),
        account_name: Some("prod".into()),
        region: Some("us-east-1".into()),
        principal: Principal {
            kind: Some("Root".into()),
            arn: Some("arn:aws:iam::111122223333:root".into()),
            ..Principal::default()
        },
        source_ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0".into()),
        error_code: None,
        error_message: None,
        failed: false,
        request_fields: vec![],
        record: serde_json::json!({"eventName": "ConsoleLogin"}),
    }
}
