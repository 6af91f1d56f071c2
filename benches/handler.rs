//! Per-event cost of the Lambda handler without the network: evaluate,
//! render every request, serialize each SNS message as the SNS publisher
//! does, build the EMF metric lines. `cargo bench --bench handler`.

use std::path::Path;
use std::sync::Arc;

use cloudtrail_alerts::config::{LambdaConfig, load_engine};
use cloudtrail_alerts::handler::Handler;
use cloudtrail_alerts::metrics::{InvocationMetrics, emf_lines};
use cloudtrail_alerts::publish::{PublishError, Publisher};
use cloudtrail_alerts::render::PublishRequest;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

/// Does the publisher's CPU work (the Message serialization) and drops the
/// result, so nothing accumulates across iterations.
struct Serializing;

impl Publisher for Serializing {
    async fn publish(&self, request: &PublishRequest) -> Result<String, PublishError> {
        let message = request.message.to_sns_message();
        Ok(std::hint::black_box(message).len().to_string())
    }
}

fn events() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("events/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read event");
            let name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, serde_json::from_str(&text).expect("event JSON"))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let config = LambdaConfig::from_vars([
        (
            "ALERT_TOPIC_ARN",
            "arn:aws:sns:us-east-1:111122223333:alerts",
        ),
        (
            "SMS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:111122223333:alerts-sms",
        ),
        ("ACCOUNT_NAMES", "prod=111122223333"),
    ])
    .expect("config");
    let engine = Arc::new(load_engine(&config).expect("rules"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let events = events();

    let handler = Handler::new(
        Arc::clone(&engine),
        Serializing,
        config.destinations.clone(),
    );
    let mut group = c.benchmark_group("handler");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("all sample events", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for (_, event) in &events {
                    let mut counts = InvocationMetrics::default();
                    let outcome = handler.handle_counted(event, &mut counts).await;
                    std::hint::black_box((outcome.is_ok(), emf_lines(&counts, 0)));
                }
            })
        })
    });
    group.finish();

    let mut single = c.benchmark_group("handler one event");
    for name in [
        "root-console-login",
        "s3-get-object",
        "security-group-ingress-open",
    ] {
        let Some((_, event)) = events.iter().find(|(n, _)| n == name) else {
            continue;
        };
        single.bench_function(name, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let mut counts = InvocationMetrics::default();
                    let outcome = handler.handle_counted(event, &mut counts).await;
                    std::hint::black_box((outcome.is_ok(), emf_lines(&counts, 0)))
                })
            })
        });
    }
    single.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
