//! Directories given as inputs: every event file below them, recursively, in
//! a stable order (names sorted at each level), as logs synced from S3 lie
//! (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…json.gz`).

use std::path::{Path, PathBuf};

use crate::input::InputError;

/// File names read from a directory; anything else there is skipped.
const EVENT_SUFFIXES: &[&str] = &[".json", ".json.gz", ".jsonl", ".jsonl.gz"];

/// Each input as given, with every directory replaced by the event files
/// below it. Hidden entries and CloudTrail digest files and folders
/// (`CloudTrail-Digest`) are skipped: digests hold hashes, not events.
pub(crate) fn expand(inputs: &[PathBuf]) -> Vec<Result<PathBuf, InputError>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut out);
        } else {
            out.push(Ok(input.clone()));
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Result<PathBuf, InputError>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Err(open_error(dir, &e)));
            return;
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(e) => out.push(Err(open_error(dir, &e))),
        }
    }
    children.sort();
    for child in children {
        let name = child
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.contains("CloudTrail-Digest") {
            continue;
        }
        if child.is_dir() {
            walk(&child, out);
        } else if EVENT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            out.push(Ok(child));
        }
    }
}

fn open_error(path: &Path, e: &std::io::Error) -> InputError {
    InputError::Open {
        source_name: path.display().to_string(),
        message: e.to_string(),
    }
}
