//! Shared by the Lambda integration tests: a local SNS (moto), topics with
//! SQS subscribers, and checks on what subscribers receive.

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_lambda_events::sns::SnsMessage;
use aws_sdk_sns::config::{Credentials, Region};
use serde_json::Value;

pub use super::moto::{Moto, SentNotification};
use super::printable_ascii;

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

/// Every SNS notification waiting in the queue (removed from it), read as
/// AWS documents the notification an SQS subscriber receives.
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<SnsMessage> {
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
            let notification: SnsMessage = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("not an SNS notification ({e}): {body}"));
            assert_eq!(notification.sns_message_type, "Notification", "{body}");
            out.push(notification);
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

/// What every subscriber of a message gets must be safe and well formed:
/// Subject 1–99 printable ASCII (SNS wants fewer than 100 characters), SMS
/// ≤ 140 printable ASCII, chat and default bodies valid JSON.
pub fn assert_deliverable(n: &SentNotification, context: &str) {
    if let Some(subject) = &n.subject {
        assert!(
            (1..100).contains(&subject.len()) && printable_ascii(subject),
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

/// Two topics of this test's own on the run's local SNS, `alerts-…` and
/// `alerts-sms-…`, each with an SQS queue subscribed.
pub struct Local {
    pub moto: &'static Moto,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub alerts: Subscribed,
    pub sms: Subscribed,
}

impl Local {
    pub async fn start() -> Local {
        Local::start_on(Moto::shared()).await
    }

    /// The same on the server that answers one request at a time.
    pub async fn start_serial() -> Local {
        Local::start_on(Moto::serial()).await
    }

    async fn start_on(moto: &'static Moto) -> Local {
        let sdk = sdk_config(&moto.endpoint).await;
        let sns = cloudtrail_alerts::publish::sns_client(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        // Names unique in the run: tests share the server, not resources.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let alerts = topic_with_queue(&sns, &sqs, &format!("alerts-{unique}")).await;
        let sms = topic_with_queue(&sns, &sqs, &format!("alerts-sms-{unique}")).await;
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
        cloudtrail_alerts::testing::destinations(&self.alerts.topic_arn, &self.sms.topic_arn)
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

/// A loopback port that refuses connections for as long as this lives: the
/// local end of a connection held open. Nothing can listen on it meanwhile,
/// unlike a port picked free and released, which another process may take.
pub struct ClosedPort {
    pub port: u16,
    _held: (TcpStream, TcpStream),
}

impl ClosedPort {
    pub fn new() -> ClosedPort {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let client = TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        let port = client.local_addr().expect("address").port();
        ClosedPort {
            port,
            _held: (client, server),
        }
    }
}

#[test]
fn a_subject_of_100_characters_is_not_deliverable() {
    let sent = |subject: String| SentNotification {
        message_id: "m".into(),
        message: serde_json::json!({
            "default": "{}",
            "email": "e",
            "sms": "s",
            "https": r#"{"version":"1.0","source":"custom"}"#,
        })
        .to_string(),
        subject: Some(subject),
        attributes: Value::Null,
    };
    assert_deliverable(&sent("x".repeat(99)), "99");
    let hundred = std::panic::catch_unwind(|| assert_deliverable(&sent("x".repeat(100)), "100"));
    assert!(hundred.is_err(), "SNS refuses a 100-character subject");
}
