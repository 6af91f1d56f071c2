//! Write a realistic NDJSON stream of CloudTrail EventBridge events (and,
//! optionally, the synthetic rule file the benchmarks use), for measuring the
//! CLI end to end.
//!
//! ```sh
//! cargo run --release --no-default-features --example gen-corpus -- 1024 /tmp/corpus.ndjson
//! cargo run --release --no-default-features --example gen-corpus -- --rules 1000 /tmp/synthetic.yaml
//! # records of 1–2 KB, one in ten firing a rule of the default pack:
//! cargo run --release --no-default-features --example gen-corpus -- --small 64 /tmp/small.ndjson
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// The seed the benchmarks use, so the file holds the same kind of events.
const SEED: u64 = 0x00C1_0D7A_11A1_E575;
/// The seed of `benches/small.rs`.
const SMALL_SEED: u64 = 0x5A11_C0DE;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen-corpus [--small] MEGABYTES OUT.ndjson | gen-corpus --rules COUNT OUT.yaml"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, count, out] if flag == "--rules" => match count.parse::<usize>() {
            Ok(count) => std::fs::write(out, common::synthetic_rules(SEED, count)),
            Err(_) => return usage(),
        },
        [flag, mb, out] if flag == "--small" => match mb.parse::<usize>() {
            Ok(mb) => {
                let stream = common::small::Small::new().ndjson(SMALL_SEED, mb << 20);
                std::fs::write(out, stream)
            }
            Err(_) => return usage(),
        },
        [mb, out] => match mb.parse::<u64>() {
            Ok(mb) => write_corpus(mb << 20, out),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gen-corpus: {err}");
            ExitCode::FAILURE
        }
    }
}

fn write_corpus(bytes: u64, out: &str) -> std::io::Result<()> {
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    let mut rng = common::Rng::new(SEED);
    let mut written = 0u64;
    let mut events = 0u64;
    while written < bytes {
        let line = common::event(&mut rng);
        file.write_all(line.as_bytes())?;
        file.write_all(b"\n")?;
        written += line.len() as u64 + 1;
        events += 1;
    }
    file.flush()?;
    eprintln!("gen-corpus: {events} events, {written} bytes in {out}");
    Ok(())
}
