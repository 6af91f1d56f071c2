//! Throughput of the input path on realistic NDJSON: serde_json alone (the
//! yardstick), splitting alone, split then scan with the pack's paths, the
//! same in one pass (`Documents::next_scanned`), and scanning alone.
//!
//! cargo bench --no-default-features --bench scan -- --warm-up-time 1 --measurement-time 3

// The same corpus as benches/engine.rs.
mod common;

use std::hint::black_box;

use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::input;
use cloudtrail_alerts::rules;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The paths the built-in pack reads: what `evaluate` scans for.
fn paths() -> PathSet {
    let config = rules::load_sources(&[], true).expect("built-in pack loads");
    Engine::from_config(config)
        .expect("built-in pack compiles")
        .paths()
        .clone()
}

fn bench(c: &mut Criterion) {
    let data = common::ndjson(7, 12_000_000);
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    eprintln!(
        "corpus: {} events, {:.1} MB, mean {} bytes, largest {} bytes",
        lines.len(),
        data.len() as f64 / 1e6,
        data.len() / lines.len(),
        lines.iter().map(|l| l.len()).max().unwrap_or(0)
    );
    let paths = paths();
    let mut g = c.benchmark_group("ndjson");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("a_serde_json_value", |b| {
        b.iter(|| {
            for line in &lines {
                let v: serde_json::Value = serde_json::from_slice(line).unwrap();
                black_box(v);
            }
        })
    });
    g.bench_function("b_split", |b| {
        b.iter(|| {
            for d in input::from_slice("bench", &data) {
                black_box(d.unwrap());
            }
        })
    });
    g.bench_function("c_split_scan", |b| {
        b.iter(|| {
            for d in input::from_slice("bench", &data) {
                let d = d.unwrap();
                black_box(EventView::scan(&d.bytes, &paths).unwrap());
            }
        })
    });
    g.bench_function("c1_split_scan_one_pass", |b| {
        b.iter(|| {
            let mut docs = input::from_slice("bench", &data);
            while let Some(d) = docs.next_scanned(&paths) {
                black_box(d.unwrap());
            }
        })
    });
    g.bench_function("d_scan_only", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(EventView::scan(line, &paths).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
