//! Engine benchmarks: rule matching, parse + evaluate, and compile time, for
//! the built-in pack (17 rules) and for the pack plus 1,000 synthetic rules,
//! beside plain `serde_json::Value` parsing of the same bytes.
//!
//! `cargo bench --no-default-features --bench engine` (figures in docs/performance.md).

mod common;

use std::hint::black_box;

use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::event::EventView;
use cloudtrail_alerts::input;
use cloudtrail_alerts::matcher::RuleSet;
use cloudtrail_alerts::rules::{self, RuleConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SEED: u64 = 0x00C1_0D7A_11A1_E575;
/// Big enough that the few huge records weigh as they do in a real trail.
const STREAM_BYTES: usize = 24 << 20;
const VIEW_EVENTS: usize = 4_000;
const SYNTHETIC_RULES: usize = 1_000;

fn pack() -> RuleConfig {
    rules::load_sources(&[], true).expect("built-in pack loads")
}

fn pack_and_synthetic() -> RuleConfig {
    let file = (
        "synthetic.yaml".to_string(),
        common::synthetic_rules(SEED, SYNTHETIC_RULES),
    );
    rules::load_sources(&[file], true).expect("synthetic rules load")
}

fn configs() -> [(&'static str, RuleConfig); 2] {
    [("17 rules", pack()), ("1017 rules", pack_and_synthetic())]
}

/// Split an NDJSON stream into its lines.
fn lines(stream: &[u8]) -> Vec<&[u8]> {
    stream
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

fn matching(c: &mut Criterion) {
    let events = common::events(SEED, VIEW_EVENTS);
    let mut group = c.benchmark_group("match");
    group.throughput(Throughput::Elements(events.len() as u64));
    for (name, config) in configs() {
        let set = RuleSet::compile(&config).expect("rules compile");
        let views: Vec<EventView> = events
            .iter()
            .map(|e| EventView::scan(e.as_bytes(), set.paths()).expect("event scans"))
            .collect();
        let fired: usize = views.iter().map(|v| set.evaluate(v).len()).sum();
        eprintln!(
            "match/{name}: {} rules, {fired} firings in {} events",
            set.len(),
            views.len()
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                for view in &views {
                    n += set.evaluate(black_box(view)).len();
                }
                n
            })
        });
    }
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let stream = common::ndjson(SEED, STREAM_BYTES);
    let docs = lines(&stream);
    let mut group = c.benchmark_group("stream");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(stream.len() as u64));
    eprintln!(
        "stream: {} events, {:.1} MB, largest {} KB",
        docs.len(),
        stream.len() as f64 / 1e6,
        docs.iter().map(|d| d.len()).max().unwrap_or(0) / 1024
    );

    group.bench_function("serde_json::Value", |b| {
        b.iter(|| {
            let mut n = 0;
            for doc in &docs {
                let value: serde_json::Value = serde_json::from_slice(doc).expect("valid JSON");
                n += usize::from(value.is_object());
            }
            n
        })
    });

    for (name, config) in configs() {
        let engine = Engine::from_config(config).expect("engine builds");
        let alerts: usize = docs
            .iter()
            .map(|d| {
                engine
                    .evaluate_bytes(d)
                    .expect("event evaluates")
                    .alerts
                    .len()
            })
            .sum();
        eprintln!("stream/{name}: {alerts} alerts in {} events", docs.len());
        group.bench_function(format!("evaluate_bytes/{name}"), |b| {
            b.iter(|| {
                let mut n = 0;
                for doc in &docs {
                    n += engine
                        .evaluate_bytes(black_box(doc))
                        .expect("event evaluates")
                        .alerts
                        .len();
                }
                n
            })
        });
        // The CLI's pipeline: split and scan in one pass, then match.
        group.bench_function(format!("next_scanned+evaluate_view/{name}"), |b| {
            b.iter(|| {
                let mut n = 0;
                let mut docs = input::from_slice("bench", black_box(&stream));
                while let Some(scanned) = docs.next_scanned(engine.paths()) {
                    let scanned = scanned.expect("document splits");
                    n += engine
                        .evaluate_view(&scanned.document.bytes, &scanned.view)
                        .expect("event evaluates")
                        .alerts
                        .len();
                }
                n
            })
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    for (name, config) in configs() {
        group.bench_function(name, |b| {
            b.iter(|| {
                RuleSet::compile(black_box(&config))
                    .expect("rules compile")
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, matching, throughput, compile);
criterion_main!(benches);
