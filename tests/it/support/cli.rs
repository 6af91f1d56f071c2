//! Runs the real `cloudtrail-alerts` binary the way a user does and hands
//! back what they would see: exit code, stdout and stderr.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_cloudtrail-alerts");

/// Longest a run may take, with room for a loaded machine.
const LIMIT: Duration = Duration::from_secs(120);

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout lines parsed as JSON; panics (failing the test) on any other line.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}\n{self:?}"))
            })
            .collect()
    }

    /// The `rule` of every alert line, in order.
    pub fn rules(&self) -> Vec<String> {
        self.json_lines()
            .iter()
            .map(|v| v["rule"].as_str().expect("alert without rule").to_string())
            .collect()
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }
}

/// Run with `args` from the repository root (so `events/…` paths work), with
/// `stdin` piped in (empty when `None`), colour off unless the test asks.
pub fn run_with(args: &[&str], stdin: Option<&[u8]>, envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(root()).env_remove("NO_COLOR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = super::output_within(&mut cmd, stdin.unwrap_or_default(), LIMIT);
    Run {
        code: out.status.code().expect("exited by a signal (a crash?)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with(args, None, &[("NO_COLOR", "1")])
}

pub fn run_stdin(args: &[&str], stdin: &[u8]) -> Run {
    run_with(args, Some(stdin), &[("NO_COLOR", "1")])
}

pub use super::root;

/// Every sample event, sorted, as paths relative to the repository root.
pub fn sample_events() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("events"))
        .expect("events/")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("UTF-8 name")
        })
        .filter(|n| n.ends_with(".json"))
        .map(|n| format!("events/{n}"))
        .collect();
    names.sort();
    names
}

pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// Write `bytes` to `dir/name` and return the path as a string argument.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path.to_str().expect("UTF-8 temp path").to_string()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// The rows of a table printed with a heading line (`rules`): each row's
/// cells by heading, cut at the columns where the headings start.
pub fn table(stdout: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = stdout.lines();
    let heading: Vec<char> = lines.next().expect("a heading line").chars().collect();
    let starts: Vec<usize> = (0..heading.len())
        .filter(|&i| heading[i] != ' ' && (i == 0 || heading[i - 1] == ' '))
        .collect();
    let names: Vec<String> = starts
        .iter()
        .map(|&s| heading[s..].iter().take_while(|c| **c != ' ').collect())
        .collect();
    lines
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let from = starts[i].min(chars.len());
                    let to = match starts.get(i + 1) {
                        Some(&next) => next.min(chars.len()),
                        None => chars.len(),
                    };
                    let cell: String = chars[from..to].iter().collect();
                    (name.clone(), cell.trim().to_string())
                })
                .collect()
        })
        .collect()
}
