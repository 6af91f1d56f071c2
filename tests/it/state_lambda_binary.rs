//! The real function binary under a fake Lambda Runtime API, with its topics
//! and its window table in a local moto: a storm of 500 security-group
//! changes, then a Scheduled Event past the window. With STATE_TABLE: the
//! email topic gets the alert and one digest, the SMS topic nothing;
//! without: one message per change, as before.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::moto::SentNotification;
use crate::support::runtime_api::FakeRuntimeApi;
use crate::support::sns::{Local, assert_deliverable, sdk_config};
use crate::support::state_table::new_table;
use crate::support::storm;

fn binary() -> String {
    std::env::var("CLOUDTRAIL_ALERTS_LAMBDA_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_cloudtrail-alerts-lambda").to_string())
}

/// Kills the function when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run the storm and the flush through the binary; (email, sms) messages.
async fn run_storm(with_state: bool) -> (usize, usize, Vec<SentNotification>) {
    let local = Local::start().await;
    let mut events = storm::events();
    events.push(storm::schedule(storm::FLUSH_AT));
    let total = events.len();
    let runtime = FakeRuntimeApi::start(events);
    let mut cmd = Command::new(binary());
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "cloudtrail-alerts")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &local.moto.endpoint)
        .env("ALERT_TOPIC_ARN", &local.alerts.topic_arn)
        .env("SMS_TOPIC_ARN", &local.sms.topic_arn)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if with_state {
        let client = cloudtrail_alerts::state::dynamodb::dynamodb_client(
            &sdk_config(&local.moto.endpoint).await,
        );
        cmd.env("STATE_TABLE", new_table(&client).await);
    }
    let started = Instant::now();
    let _running = Running(cmd.spawn().expect("start the function"));
    let answers = runtime.wait_answers(total, Duration::from_secs(300));
    let elapsed = started.elapsed();
    if let Some(first) = runtime.first_poll() {
        // Figures for the docs, not assertions: timing belongs in benchmarks.
        eprintln!(
            "state {}: cold start to first poll {:?}; {} invocations in {:?}",
            with_state,
            first.duration_since(started),
            answers.len(),
            elapsed
        );
    }
    assert_eq!(answers.len(), total);
    assert!(answers.iter().all(|a| a.kind == "response"), "{answers:?}");
    let email = local.moto.sent(&local.alerts.topic_arn);
    let sms = local.moto.sent(&local.sms.topic_arn).len();
    (email.len(), sms, email)
}

#[tokio::test]
async fn state_lambda_binary_storm_with_state_is_one_alert_and_one_digest_and_without_it_one_message_each()
 {
    let (email, sms, sent) = run_storm(true).await;
    assert_eq!((email, sms), (2, 0));
    let bodies: serde_json::Value = serde_json::from_str(&sent[1].message).unwrap();
    let digest: serde_json::Value =
        serde_json::from_str(bodies["default"].as_str().unwrap()).unwrap();
    assert_eq!(digest["count"], 499);
    for n in &sent {
        assert_deliverable(n, "storm");
    }

    let (email, sms, _) = run_storm(false).await;
    assert_eq!((email, sms), (500, 0));
}
