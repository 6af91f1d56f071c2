//! A corpus of small records (1–2 KB, as most real CloudTrail events are)
//! where one event in ten fires a rule of the default pack.
//!
//! The firing events are the rule fixtures (`tests/fixtures/*/match/*.json`,
//! records shaped like the real services'), compacted to one line; the quiet
//! ones come from the main generator with short parameters. A quiet candidate
//! that fires anyway, or falls outside 1–2 KB, is drawn again, so the share of
//! firing events is exact.

use std::path::Path;

use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::rules;

use super::{Rng, event_sized};

/// Smallest and largest quiet record, in bytes.
const QUIET_BYTES: std::ops::RangeInclusive<usize> = 1000..=2048;
/// Fixtures above this size (a few hold deliberately huge fields) are left out.
const FIXTURE_MAX: usize = 2560;

/// What the generator needs: the default pack and the firing fixtures.
pub struct Small {
    engine: Engine,
    firing: Vec<String>,
}

impl Small {
    /// Loads the default pack and the fixtures of this repository.
    pub fn new() -> Small {
        let config = rules::load_sources(&[], true).expect("the default pack loads");
        let engine = Engine::from_config(config).expect("the default pack compiles");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files = Vec::new();
        for rule in std::fs::read_dir(&root).expect("tests/fixtures is readable") {
            let dir = rule.expect("fixture directory").path().join("match");
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for file in entries {
                let path = file.expect("fixture file").path();
                if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        // Directory order is not stable across machines.
        files.sort();
        let firing: Vec<String> = files
            .iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(path).ok()?;
                let line = compact(&text);
                let fires = engine
                    .evaluate_bytes(line.as_bytes())
                    .is_ok_and(|e| !e.alerts.is_empty());
                (fires && line.len() <= FIXTURE_MAX).then_some(line)
            })
            .collect();
        assert!(!firing.is_empty(), "no fixture fires the default pack");
        Small { engine, firing }
    }

    /// How many distinct firing records the corpus draws from.
    pub fn firing_records(&self) -> usize {
        self.firing.len()
    }

    /// One event: a firing fixture one time in ten, else a quiet record.
    pub fn event(&self, rng: &mut Rng) -> String {
        if rng.below(10) == 0 {
            return rng.pick(&self.firing).clone();
        }
        loop {
            let line = event_sized(rng, true);
            if !QUIET_BYTES.contains(&line.len()) {
                continue;
            }
            let quiet = self
                .engine
                .evaluate_bytes(line.as_bytes())
                .is_ok_and(|e| e.is_quiet());
            if quiet {
                return line;
            }
        }
    }

    /// An NDJSON stream of at least `bytes` bytes.
    pub fn ndjson(&self, seed: u64, bytes: usize) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(bytes + 4096);
        while out.len() < bytes {
            out.extend_from_slice(self.event(&mut rng).as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// The JSON text without the whitespace between tokens (keys keep their order).
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}
