//! The real function binary, run against a fake Lambda Runtime API and a
//! real local SNS (moto).
#![cfg(feature = "lambda")]

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::runtime_api::FakeRuntimeApi;

const BINARY: &str = env!("CARGO_BIN_EXE_cloudtrail-alerts-lambda");

fn function(runtime: &FakeRuntimeApi) -> Command {
    let mut cmd = Command::new(BINARY);
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "cloudtrail-alerts")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn invalid_configuration_fails_the_cold_start_listing_every_problem() {
    let runtime = FakeRuntimeApi::start(vec![serde_json::json!({})]);
    let out = function(&runtime)
        .env("ALERT_MIN_SEVERITY", "urgent")
        .env("EXTRA_DESTINATIONS", "chat=arn:aws:sns:us-east-1:1:chat")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let log =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    for needle in [
        "cold start failed: invalid configuration (3 problems)",
        "ALERT_TOPIC_ARN is required",
        "ALERT_MIN_SEVERITY: unknown severity \"urgent\"",
        "EXTRA_DESTINATIONS entry",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in:\n{log}");
    }
    assert!(
        runtime.first_poll().is_none(),
        "a misconfigured function must not take events"
    );
    assert!(
        runtime
            .wait_answers(1, Duration::from_millis(10))
            .is_empty()
    );
}
