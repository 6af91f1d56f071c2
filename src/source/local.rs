//! Directory trees on disk, e.g. a trail bucket after `aws s3 sync`: every
//! event file below a folder, in a stable order (names sorted at each level),
//! skipping hidden entries and CloudTrail-Digest folders and pruned by the
//! same filters as S3 prefixes.

use std::path::{Component, Path};

use super::layout::{Filter, admits, admits_file_in};
use super::{Item, Location, SourceError};

/// The files to read for `path`: the file itself (whatever its name: it was
/// asked for), or the event files of a directory tree. Unreadable folders are
/// returned as problems and the walk goes on.
pub fn walk(path: &Path, filter: &Filter) -> (Vec<Item>, Vec<SourceError>) {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    if path.is_dir() {
        visit(path, filter, &mut items, &mut problems);
    } else {
        match std::fs::metadata(path) {
            Ok(meta) => items.push(item(path, meta.len())),
            Err(err) => problems.push(local_error(path, &err)),
        }
    }
    (items, problems)
}

fn visit(dir: &Path, filter: &Filter, items: &mut Vec<Item>, problems: &mut Vec<SourceError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(local_error(dir, &err));
            return;
        }
    };
    let mut entries: Vec<_> = entries
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                problems.push(local_error(dir, &err));
                None
            }
        })
        .collect();
    entries.sort_by_key(|e| e.file_name());
    // Above the layout, a folder holding AWSLogs/ is a trail's prefix: its
    // AWSLogs/ is the archive and its other folders are not (as for S3).
    let above = super::layout::locate(&folders(dir)).is_none();
    if above
        && entries
            .iter()
            .any(|e| e.file_name() == "AWSLogs" && e.path().is_dir())
    {
        entries.retain(|e| e.file_name() == "AWSLogs" || !e.path().is_dir());
    }
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // A symbolic link to a folder is not followed: a link back up the
        // tree would never end.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if admits(&folders(&path), filter) {
                visit(&path, filter, items, problems);
            }
        } else if admits_file_in(&folders(dir), &name, filter) {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => items.push(item(&path, meta.len())),
                Ok(_) => {}
                Err(err) => problems.push(local_error(&path, &err)),
            }
        }
    }
}

/// The path's folder names, for locating it in the layout.
fn folders(path: &Path) -> Vec<&str> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect()
}

fn item(path: &Path, size: u64) -> Item {
    Item {
        name: path.display().to_string(),
        size,
        location: Location::File(path.to_path_buf()),
    }
}

fn local_error(path: &Path, err: &std::io::Error) -> SourceError {
    SourceError::Local {
        path: path.display().to_string(),
        message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::time::{Day, End, parse_bound};
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"{}").unwrap();
    }

    fn names(items: &[Item], root: &Path) -> Vec<String> {
        items
            .iter()
            .map(|i| match &i.location {
                Location::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                Location::S3 { .. } => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn a_synced_trail_is_read_in_sorted_order_without_digests_or_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let ct = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11";
        touch(root, &format!("{ct}/02/b.json.gz"));
        touch(root, &format!("{ct}/02/a.json.gz"));
        touch(root, &format!("{ct}/01/z.json"));
        touch(root, &format!("{ct}/01/.partial.json.gz"));
        touch(root, &format!("{ct}/01/notes.txt"));
        touch(
            root,
            "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/01/d.json.gz",
        );
        touch(root, ".cache/x.json");
        touch(root, "loose.jsonl");
        touch(root, "other/events.json");
        let (items, problems) = walk(root, &Filter::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            names(&items, root),
            [
                format!("{ct}/01/z.json"),
                format!("{ct}/02/a.json.gz"),
                format!("{ct}/02/b.json.gz"),
                "loose.jsonl".to_string(),
            ]
        );
        assert!(items.iter().all(|i| i.size == 2));
    }

    #[test]
    fn a_tree_without_awslogs_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "exports/2026/a.json");
        touch(dir.path(), "b.ndjson");
        let (items, _) = walk(dir.path(), &Filter::default());
        assert_eq!(
            names(&items, dir.path()),
            ["b.ndjson", "exports/2026/a.json"]
        );
    }

    #[test]
    fn filters_prune_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for day in ["01", "02", "03"] {
            touch(
                root,
                &format!("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/{day}/a.json.gz"),
            );
            touch(
                root,
                &format!("AWSLogs/444455556666/CloudTrail/eu-west-1/2026/11/{day}/a.json.gz"),
            );
        }
        let today = Day::parse("2026-11-29").unwrap();
        let filter = Filter {
            since: Some(parse_bound("2026-11-02", End::Since, today).unwrap()),
            until: Some(parse_bound("2026-11-29", End::Until, today).unwrap()),
            accounts: vec!["444455556666".into()],
            ..Filter::default()
        };
        let (items, _) = walk(root, &filter);
        assert_eq!(
            names(&items, root),
            [
                "AWSLogs/444455556666/CloudTrail/eu-west-1/2026/11/02/a.json.gz",
                "AWSLogs/444455556666/CloudTrail/eu-west-1/2026/11/03/a.json.gz",
            ]
        );
    }

    #[test]
    fn a_missing_path_is_a_problem_not_a_panic() {
        let (items, problems) = walk(Path::new("/nonexistent/trail"), &Filter::default());
        assert!(items.is_empty());
        assert!(
            problems[0]
                .to_string()
                .starts_with("/nonexistent/trail: cannot read")
        );
    }
}
