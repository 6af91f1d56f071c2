//! Small records (1–2 KB) with one event in ten firing a rule of the default
//! pack: each measure beside a `serde_json::Value` parse of the same bytes, in
//! one group, so the ratios hold on a loaded machine.
//!
//! cargo bench --no-default-features --bench small -- --warm-up-time 1 --measurement-time 3

mod common;

use std::hint::black_box;

use cloudtrail_alerts::alert::Alert;
use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::event::{EventView, PathSet, wrap_record};
use cloudtrail_alerts::rules;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sonic_rs::JsonValueTrait;

const SEED: u64 = 0x5A11_C0DE;
const STREAM_BYTES: usize = 8 << 20;

fn engine() -> Engine {
    let config = rules::load_sources(&[], true).expect("the default pack loads");
    Engine::from_config(config).expect("the default pack compiles")
}

/// The pack's dotted paths as sonic-rs pointers.
fn pointer_tree(paths: &PathSet) -> sonic_rs::PointerTree {
    let mut tree = sonic_rs::PointerTree::new();
    for id in 0..paths.len() {
        tree.add_path(paths.name(id as u32).split('.'));
    }
    tree
}

fn parse(doc: &[u8]) -> usize {
    let value: serde_json::Value = serde_json::from_slice(doc).expect("valid JSON");
    usize::from(value.is_object())
}

fn bench(c: &mut Criterion) {
    let small = common::small::Small::new();
    let stream = small.ndjson(SEED, STREAM_BYTES);
    let docs: Vec<&[u8]> = stream
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let engine = engine();
    let (firing, quiet): (Vec<&[u8]>, Vec<&[u8]>) = docs.iter().partition(|d| {
        !engine
            .evaluate_bytes(d)
            .expect("event evaluates")
            .is_quiet()
    });
    let alerts: usize = firing
        .iter()
        .map(|d| {
            engine
                .evaluate_bytes(d)
                .expect("event evaluates")
                .alerts
                .len()
        })
        .sum();
    let bytes = |set: &[&[u8]]| set.iter().map(|d| d.len()).sum::<usize>();
    eprintln!(
        "small: {} events, {:.1} MB, mean {} bytes; {} firing ({alerts} alerts, from {} fixtures), {} quiet",
        docs.len(),
        stream.len() as f64 / 1e6,
        stream.len() / docs.len(),
        firing.len(),
        small.firing_records(),
        quiet.len()
    );

    // Events that fire nothing: the scan alone against a parse.
    let mut g = c.benchmark_group("small/quiet");
    g.throughput(Throughput::Bytes(bytes(&quiet) as u64));
    g.sample_size(20);
    g.bench_function("serde_json::Value", |b| {
        b.iter(|| quiet.iter().map(|d| parse(black_box(d))).sum::<usize>())
    });
    g.bench_function("scan", |b| {
        b.iter(|| {
            quiet
                .iter()
                .map(|d| {
                    black_box(EventView::scan(black_box(d), engine.paths()).expect("event scans"));
                    1
                })
                .sum::<usize>()
        })
    });
    // sonic-rs's lazy multi-path lookup of the same paths. It does less than
    // the scan: a path through an array finds nothing, and leaves stay raw
    // unless they are strings.
    let tree = pointer_tree(engine.paths());
    g.bench_function("sonic-rs get_many", |b| {
        b.iter(|| {
            quiet
                .iter()
                .map(|d| {
                    // get_many refuses a whole event when a path crosses a
                    // non-object (`responseElements: null`, common in
                    // CloudTrail): such an event counts as nothing found.
                    sonic_rs::get_many(black_box(*d), &tree).map_or(0, |found| {
                        found
                            .iter()
                            .flatten()
                            .map(|v| v.as_str().map_or(v.as_raw_str().len(), str::len))
                            .sum::<usize>()
                    })
                })
                .sum::<usize>()
        })
    });
    g.finish();

    // Events that fire: per alert, the alert path against one parse.
    let views: Vec<EventView> = firing
        .iter()
        .map(|d| EventView::scan(d, engine.paths()).expect("event scans"))
        .collect();
    let mut g = c.benchmark_group("small/alert");
    g.throughput(Throughput::Elements(alerts as u64));
    g.sample_size(20);
    g.bench_function("serde_json::Value", |b| {
        b.iter(|| firing.iter().map(|d| parse(black_box(d))).sum::<usize>())
    });
    g.bench_function("evaluate_view (match + alerts)", |b| {
        b.iter(|| {
            firing
                .iter()
                .zip(&views)
                .map(|(d, v)| {
                    engine
                        .evaluate_view(black_box(d), v)
                        .expect("event evaluates")
                        .alerts
                        .len()
                })
                .sum::<usize>()
        })
    });
    // What the alert path did before the record was moved into the alert:
    // the same parse and facts, and a copy of the record per alert.
    let settings = &engine.config().settings;
    g.bench_function("match + alerts, record copied", |b| {
        b.iter(|| {
            firing
                .iter()
                .zip(&views)
                .map(|(d, v)| {
                    let firings = engine.rule_set().evaluate(v);
                    let event: serde_json::Value =
                        serde_json::from_slice(black_box(d)).expect("valid JSON");
                    let (_, envelope) = wrap_record(event).expect("an event");
                    firings
                        .iter()
                        .filter(|f| f.suppressed_by.is_none())
                        .map(|f| {
                            let alert = black_box(Alert::build(f.rule, &envelope, settings));
                            alert.request_fields.len()
                        })
                        .sum::<usize>()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("evaluate_bytes (scan + match + alerts)", |b| {
        b.iter(|| {
            firing
                .iter()
                .map(|d| {
                    engine
                        .evaluate_bytes(black_box(d))
                        .expect("event evaluates")
                        .alerts
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();

    // The mixed stream, as `evaluate` sees it.
    let mut g = c.benchmark_group("small/stream");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.sample_size(10);
    g.bench_function("serde_json::Value", |b| {
        b.iter(|| docs.iter().map(|d| parse(black_box(d))).sum::<usize>())
    });
    g.bench_function("evaluate_bytes", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    engine
                        .evaluate_bytes(black_box(d))
                        .expect("event evaluates")
                        .alerts
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
