//! The real function binary, run against a fake Lambda Runtime API and a
//! real local SNS (moto).

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::output_within;
use crate::support::runtime_api::FakeRuntimeApi;
use crate::support::sns;

/// The binary under test: the one cargo built for these tests, or another
/// build (e.g. the release binary) named by `CLOUDTRAIL_ALERTS_LAMBDA_BIN`.
fn binary() -> String {
    std::env::var("CLOUDTRAIL_ALERTS_LAMBDA_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_cloudtrail-alerts-lambda").to_string())
}

/// Peak resident memory of a running process (Linux), for the docs.
fn peak_rss(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}

fn function(runtime: &FakeRuntimeApi) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "cloudtrail-alerts")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    cmd
}

#[test]
fn invalid_configuration_fails_the_cold_start_listing_every_problem() {
    let runtime = FakeRuntimeApi::start(vec![serde_json::json!({})]);
    let out = output_within(
        function(&runtime)
            .env("ALERT_MIN_SEVERITY", "urgent")
            .env("EXTRA_DESTINATIONS", "chat=arn:aws:sns:us-east-1:1:chat"),
        b"",
        Duration::from_secs(60),
    );
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
    // Lambda shows the reason only when it is posted to /runtime/init/error.
    let reported = runtime.init_errors();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0]["errorType"], "Runtime.InitError");
    let message = reported[0]["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("ALERT_TOPIC_ARN is required"), "{message}");
}

#[test]
fn a_missing_rules_file_is_reported_as_the_init_error() {
    let runtime = FakeRuntimeApi::start(vec![serde_json::json!({})]);
    let out = output_within(
        function(&runtime)
            .env(
                "ALERT_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:cloudtrail-alerts",
            )
            .env("RULES_FILES", "/nonexistent/rules.yaml"),
        b"",
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    assert!(runtime.first_poll().is_none());
    let reported = runtime.init_errors();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert_eq!(reported[0]["errorType"], "Runtime.InitError");
    let message = reported[0]["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("RULES_FILES: cannot read /nonexistent/rules.yaml"),
        "{message}"
    );
}

fn sample(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Kills the function when the test ends, however it ends.
struct Running(Option<std::process::Child>);

impl Running {
    fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, std::process::Child::id)
    }

    /// Stop the function and return everything it wrote to stdout.
    fn stop(mut self) -> String {
        let mut out = String::new();
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
            if let Some(mut stdout) = child.stdout.take() {
                let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
            }
        }
        out
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn the_function_binary_alerts_through_a_local_sns() {
    let local = sns::Local::start().await;
    let runtime = FakeRuntimeApi::start(vec![
        sample("root-console-login.json"),
        sample("ec2-state-change.json"),
        serde_json::json!("not an event"),
        sample("vpc-create.json"),
    ]);
    let started = std::time::Instant::now();
    let child = function(&runtime)
        .stdin(Stdio::null())
        .env("ALERT_TOPIC_ARN", &local.alerts.topic_arn)
        .env("SMS_TOPIC_ARN", &local.sms.topic_arn)
        .env("AWS_ENDPOINT_URL", &local.moto.endpoint)
        .env("ACCOUNT_NAMES", "prod=111122223333")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(Some(child));

    let answers = runtime.wait_answers(4, Duration::from_secs(60));
    if let Some(first) = runtime.first_poll() {
        // A figure for the docs, not an assertion: timing belongs in benchmarks.
        eprintln!(
            "cold start to first runtime poll: {:?}",
            first.duration_since(started)
        );
    }
    if let Some(peak) = peak_rss(running.id()) {
        eprintln!("peak memory after 4 invocations: {peak}");
    }
    assert_eq!(answers.len(), 4, "answers: {answers:?}");
    let by_id = |id: &str| answers.iter().find(|a| a.request_id == id).unwrap();

    let root = by_id("req-0");
    assert_eq!(root.kind, "response", "{root:?}");
    assert_eq!(root.body["alerts"], 1);
    let mut destinations: Vec<&str> = root.body["published"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["destination"].as_str().unwrap())
        .collect();
    destinations.sort();
    assert_eq!(destinations, ["alerts", "sms"]);

    let quiet = by_id("req-1");
    assert_eq!(quiet.kind, "response", "{quiet:?}");
    assert_eq!(quiet.body["alerts"], 0);

    let bad = by_id("req-2");
    assert_eq!(bad.kind, "error", "{bad:?}");
    assert_eq!(bad.body["errorType"], "InvalidEvent");
    assert!(
        bad.body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not a JSON object"),
        "{bad:?}"
    );

    // The function keeps serving after a failed invocation.
    let vpc = by_id("req-3");
    assert_eq!(vpc.kind, "response", "{vpc:?}");
    assert_eq!(vpc.body["published"].as_array().unwrap().len(), 1);

    let main = local.moto.sent(&local.alerts.topic_arn);
    let sms = local.moto.sent(&local.sms.topic_arn);
    assert_eq!((main.len(), sms.len()), (2, 1));
    for n in main.iter().chain(&sms) {
        sns::assert_deliverable(n, "binary");
    }
    let root_subject = sms[0].subject.as_deref().unwrap();
    assert!(root_subject.starts_with("[CRITICAL]"), "{root_subject}");
    assert!(
        root_subject.contains("prod"),
        "account name: {root_subject}"
    );
    assert_eq!(sns::drain(&local.sqs, &local.sms.queue_url).await.len(), 1);

    // Metrics are EMF lines on stdout, between the log lines.
    let stdout = running.stop();
    let emf: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect();
    let total = |metric: &str, rule: Option<&str>| -> u64 {
        emf.iter()
            .filter(|d| rule.is_none_or(|r| d["Rule"] == r))
            .filter_map(|d| d[metric].as_u64())
            .sum()
    };
    assert_eq!(total("EventsEvaluated", None), 3, "{stdout}");
    assert_eq!(
        total("AlertsPublished", Some("root-account-usage")),
        1,
        "{stdout}"
    );
    assert_eq!(total("AlertsPublished", None), 2, "{stdout}");
    assert!(stdout.contains("alert published"), "{stdout}");
}
