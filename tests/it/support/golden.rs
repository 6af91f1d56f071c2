//! The golden-file mode: compare by default; rewrite only with
//! `UPDATE_GOLDEN=1`, and fail even then, listing what changed, so a rewrite
//! is never a silent pass. Files no test produces are reported too.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Update,
}

/// The mode `UPDATE_GOLDEN` asks for: unset is [`Mode::Check`], `1` is
/// [`Mode::Update`], and any other value is refused, so `UPDATE_GOLDEN=0`
/// cannot rewrite anything by accident.
pub fn mode_from(var: Option<&OsStr>) -> Result<Mode, String> {
    match var {
        None => Ok(Mode::Check),
        Some(v) if v == "1" => Ok(Mode::Update),
        Some(v) => Err(format!(
            "UPDATE_GOLDEN={}: only UPDATE_GOLDEN=1 rewrites golden files; unset it to compare",
            v.to_string_lossy()
        )),
    }
}

pub fn mode() -> Mode {
    mode_from(std::env::var_os("UPDATE_GOLDEN").as_deref()).unwrap_or_else(|e| panic!("{e}"))
}

/// Compares (or, in [`Mode::Update`], rewrites) every `relative path ->
/// content` under `dir`. Returns one message per file that differs, is
/// missing or was rewritten; empty when all match.
pub fn verify(dir: &Path, files: &BTreeMap<PathBuf, String>, mode: Mode) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, actual) in files {
        let path = dir.join(file);
        let expected = std::fs::read_to_string(&path).ok();
        if expected.as_deref() == Some(actual.as_str()) {
            continue;
        }
        let name = file.display();
        match (mode, expected) {
            (Mode::Update, _) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).unwrap();
                }
                std::fs::write(&path, actual).unwrap();
                problems.push(format!("{name} rewritten: review the diff and commit it"));
            }
            (Mode::Check, Some(expected)) => problems.push(format!(
                "{name} differs (UPDATE_GOLDEN=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}"
            )),
            (Mode::Check, None) => {
                problems.push(format!("{name} missing (UPDATE_GOLDEN=1 to create)"))
            }
        }
    }
    problems
}

/// Files under `dir` (relative paths, recursively) that are not in `known`.
pub fn unknown_files(dir: &Path, known: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.retain(|f| !known.contains_key(f));
    found.sort();
    found
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(base, &path, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push(rel.to_path_buf());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(file: &str, content: &str) -> BTreeMap<PathBuf, String> {
        BTreeMap::from([(PathBuf::from(file), content.to_string())])
    }

    #[test]
    fn golden_mode_accepts_only_update_golden_1() {
        assert_eq!(mode_from(None), Ok(Mode::Check));
        assert_eq!(mode_from(Some(OsStr::new("1"))), Ok(Mode::Update));
        for refused in ["0", "", "true", "yes", "2"] {
            let err = mode_from(Some(OsStr::new(refused))).unwrap_err();
            assert!(err.contains("only UPDATE_GOLDEN=1"), "{refused}: {err}");
        }
    }

    #[test]
    fn golden_check_reports_differences_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.email"), "old\n").unwrap();
        let problems = verify(dir.path(), &one("a.email", "new\n"), Mode::Check);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("a.email differs"), "{problems:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.email")).unwrap(),
            "old\n"
        );
        let problems = verify(dir.path(), &one("b.sms", "x\n"), Mode::Check);
        assert!(problems[0].starts_with("b.sms missing"), "{problems:?}");
        assert!(!dir.path().join("b.sms").exists());
        assert!(verify(dir.path(), &one("a.email", "old\n"), Mode::Check).is_empty());
    }

    #[test]
    fn golden_update_rewrites_and_still_fails_listing_the_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("same.sms"), "same\n").unwrap();
        let mut files = one("same.sms", "same\n");
        files.insert("sub/new.email".into(), "new\n".into());
        let problems = verify(dir.path(), &files, Mode::Update);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("sub/new.email rewritten"),
            "{problems:?}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sub/new.email")).unwrap(),
            "new\n"
        );
        // A second run finds nothing left to change.
        assert!(verify(dir.path(), &files, Mode::Update).is_empty());
    }

    #[test]
    fn golden_files_no_test_produces_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("hostile")).unwrap();
        std::fs::write(dir.path().join("kept.sms"), "").unwrap();
        std::fs::write(dir.path().join("hostile/stale.email"), "").unwrap();
        let known = one("kept.sms", "");
        assert_eq!(
            unknown_files(dir.path(), &known),
            vec![PathBuf::from("hostile/stale.email")]
        );
    }
}
