//! Which S3 prefixes to list, computed from the layout and the filters, so a
//! date range over one account and region costs one List call per day
//! instead of a listing of the whole bucket.
//!
//! The walk is pure over a [`Lister`]: the S3 adapter lists for real, tests
//! list an in-memory key set and count the calls. Known values (`--accounts`
//! under an organization folder, `--regions`, the days of a range) become
//! prefixes directly; unknown ones are discovered one folder level at a time
//! with a delimited listing, never by listing everything below.

use std::collections::BTreeSet;

use super::SourceError;
use super::layout::{Filter, admits, admits_file, locate};

/// One object found by a listing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// What one List call (all its pages) returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// With a delimiter: the folders directly below the prefix, each ending in `/`.
    pub folders: Vec<String>,
    /// The objects at the prefix's level (delimited) or anywhere below it.
    pub objects: Vec<ObjectInfo>,
}

/// A place that can list keys: the port the S3 adapter implements.
pub trait Lister {
    /// List below `prefix`: one level (`delimited`, folders and the objects
    /// at that level) or everything below it.
    fn list(&mut self, prefix: &str, delimited: bool) -> Result<Listing, SourceError>;
}

/// The objects to read, in key order, and the listings that failed without
/// stopping the walk.
#[derive(Debug, Default)]
pub struct Planned {
    pub objects: Vec<ObjectInfo>,
    pub problems: Vec<SourceError>,
}

/// Walk the archive under `prefix` (empty: the bucket's root). A failure that
/// makes the whole source unreadable (no bucket, access denied at the first
/// listing) is returned as the error; later failures are collected.
pub fn plan(
    prefix: &str,
    filter: &Filter,
    lister: &mut dyn Lister,
) -> Result<Planned, SourceError> {
    let mut planned = Planned::default();
    let mut found = BTreeSet::new();
    let start = folder_of(prefix);
    let mut pending = vec![start.clone()];
    let mut first = true;
    while let Some(folder) = pending.pop() {
        let segments: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
        // A prefix that is not a folder is the start of the tail day's first
        // file names; its objects are judged one by one below.
        let is_folder = folder.is_empty() || folder.ends_with('/');
        if is_folder && !admits(&segments, filter) {
            continue;
        }
        let mut children = Vec::new();
        let step = if is_folder {
            next_step(&folder, &segments, filter, &mut children)
        } else {
            Step::List { delimited: false }
        };
        let listing = match step {
            Step::Known => None,
            Step::List { delimited } => match lister.list(&folder, delimited) {
                Ok(listing) => Some((listing, delimited)),
                Err(err) if first && err.is_fatal() => return Err(err),
                Err(err) => {
                    planned.problems.push(err);
                    None
                }
            },
        };
        first = false;
        if let Some((listing, delimited)) = listing {
            let loose_files = !delimited || locate(&segments).is_none();
            if loose_files {
                for object in listing.objects {
                    if admits_file(&object.key, filter) {
                        found.insert(object);
                    }
                }
            }
            let logs = format!("{folder}AWSLogs/");
            if locate(&segments).is_none() && listing.folders.contains(&logs) {
                // A trail's prefix: its AWSLogs/ is the archive, the rest is not.
                children.push(logs);
            } else {
                children.extend(listing.folders);
            }
        }
        // Depth first, in key order: the stack pops the smallest folder next.
        children.sort();
        children.dedup();
        pending.extend(children.into_iter().rev());
    }
    planned.objects = found.into_iter().collect();
    Ok(planned)
}

enum Step {
    /// The children were computed; no listing needed.
    Known,
    List {
        delimited: bool,
    },
}

/// What to do at `folder`: push computed children, or list one level, or
/// list everything below (only where nothing can be pruned any more).
fn next_step(folder: &str, segments: &[&str], filter: &Filter, children: &mut Vec<String>) -> Step {
    let delimited = Step::List { delimited: true };
    let Some(at) = locate(segments) else {
        // Above the layout (a trail's own key prefix, or the bucket's root):
        // look one level down for AWSLogs/ and loose event files.
        return delimited;
    };
    if at.account.is_none() {
        if at.org.is_some() && !filter.accounts.is_empty() {
            children.extend(filter.accounts.iter().map(|a| format!("{folder}{a}/")));
            return Step::Known;
        }
        // AWSLogs/ itself: accounts and organization folders are not known
        // in advance (an organization trail adds o-ID/), so list one level.
        return delimited;
    }
    if at.folder.is_none() {
        return delimited;
    }
    if at.region.is_none() {
        if filter.regions.is_empty() {
            return delimited;
        }
        children.extend(filter.regions.iter().map(|r| format!("{folder}{r}/")));
        return Step::Known;
    }
    if at.year.is_none() {
        if let Some(days) = filter.days() {
            children.extend(days.iter().map(|d| format!("{folder}{}", d.folder())));
            if let (Some(tail), Some(account), Some(kind), Some(region)) =
                (filter.tail_day(), at.account, at.folder, at.region)
            {
                let name = Filter::tail_name(account, kind, region, tail);
                children.push(format!("{folder}{}{name}", tail.folder()));
            }
            return Step::Known;
        }
        if !filter.has_range() {
            return Step::List { delimited: false };
        }
        return delimited;
    }
    if at.day.is_none() {
        return delimited;
    }
    Step::List { delimited: false }
}

/// `prefix` as a folder: empty, or ending in one `/`.
fn folder_of(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::super::time::{Day, End, parse_bound};
    use super::*;

    /// An in-memory bucket that records every List call.
    struct Keys {
        keys: Vec<String>,
        calls: Vec<(String, bool)>,
    }

    impl Lister for Keys {
        fn list(&mut self, prefix: &str, delimited: bool) -> Result<Listing, SourceError> {
            self.calls.push((prefix.to_string(), delimited));
            let mut listing = Listing::default();
            for key in self.keys.iter().filter(|k| k.starts_with(prefix)) {
                let rest = &key[prefix.len()..];
                match rest.find('/') {
                    Some(i) if delimited => {
                        let f = format!("{prefix}{}", &rest[..=i]);
                        if !listing.folders.contains(&f) {
                            listing.folders.push(f);
                        }
                    }
                    _ => listing.objects.push(ObjectInfo {
                        key: key.clone(),
                        size: 1,
                    }),
                }
            }
            Ok(listing)
        }
    }

    fn archive() -> Keys {
        let mut keys = Vec::new();
        for (root, account) in [
            ("AWSLogs/", "111122223333"),
            ("AWSLogs/", "444455556666"),
            ("AWSLogs/o-abc123/", "777788889999"),
        ] {
            for region in ["eu-west-1", "us-east-1"] {
                for day in 1..=5 {
                    let base = format!("{root}{account}/CloudTrail/{region}/2026/11/{day:02}/");
                    keys.push(format!(
                        "{base}{account}_CloudTrail_{region}_202611{day:02}T0000Z_a.json.gz"
                    ));
                    keys.push(format!(
                        "{base}{account}_CloudTrail_{region}_202611{day:02}T0005Z_b.json.gz"
                    ));
                    keys.push(format!(
                        "{root}{account}/CloudTrail-Digest/{region}/2026/11/{day:02}/digest.json.gz"
                    ));
                }
            }
        }
        keys.push("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/02/readme.txt".into());
        keys.push("notes/todo.txt".into());
        keys.sort();
        Keys {
            keys,
            calls: Vec::new(),
        }
    }

    fn range(since: &str, until: &str) -> Filter {
        let today = Day::parse("2026-11-29").unwrap();
        Filter {
            since: Some(parse_bound(since, End::Since, today).unwrap()),
            until: Some(parse_bound(until, End::Until, today).unwrap()),
            ..Filter::default()
        }
    }

    #[test]
    fn without_filters_every_event_file_is_found_and_nothing_else() {
        let mut bucket = archive();
        let planned = plan("", &Filter::default(), &mut bucket).unwrap();
        assert_eq!(planned.objects.len(), 3 * 2 * 5 * 2);
        assert!(
            planned
                .objects
                .iter()
                .all(|o| o.key.contains("/CloudTrail/"))
        );
        assert!(planned.objects.iter().all(|o| o.key.ends_with(".json.gz")));
        // Only the region folders are listed whole; nothing above them is.
        assert!(
            bucket
                .calls
                .iter()
                .filter(|(_, delimited)| !delimited)
                .all(|(p, _)| p.split('/').filter(|s| !s.is_empty()).count() >= 4)
        );
    }

    #[test]
    fn a_range_lists_only_its_days_and_never_a_whole_region() {
        let mut bucket = archive();
        let mut filter = range("2026-11-02", "2026-11-03");
        filter.accounts = vec!["111122223333".into(), "777788889999".into()];
        filter.regions = vec!["eu-west-1".into()];
        let planned = plan("", &filter, &mut bucket).unwrap();
        // Two days of two files, and the day after's two, both delivered in
        // its first hour (T0000Z, T0005Z).
        assert_eq!(planned.objects.len(), 2 * (2 * 2 + 2));
        let whole: Vec<_> = bucket
            .calls
            .iter()
            .filter(|(_, d)| !d)
            .map(|(p, _)| p.as_str())
            .collect();
        // Each day, and the first hour of the day after (the last events
        // before midnight are delivered then).
        assert_eq!(
            whole,
            [
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/02/",
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/03/",
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/04/111122223333_CloudTrail_eu-west-1_20261104T00",
                "AWSLogs/o-abc123/777788889999/CloudTrail/eu-west-1/2026/11/02/",
                "AWSLogs/o-abc123/777788889999/CloudTrail/eu-west-1/2026/11/03/",
                "AWSLogs/o-abc123/777788889999/CloudTrail/eu-west-1/2026/11/04/777788889999_CloudTrail_eu-west-1_20261104T00",
            ]
        );
        // Root and AWSLogs/ once; the organization folder is not listed (the
        // accounts are given); one listing per account for its event folders.
        let delimited: Vec<_> = bucket
            .calls
            .iter()
            .filter(|(_, d)| *d)
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(
            delimited,
            [
                "",
                "AWSLogs/",
                "AWSLogs/111122223333/",
                "AWSLogs/o-abc123/111122223333/",
                "AWSLogs/o-abc123/777788889999/"
            ]
        );
    }

    #[test]
    fn an_open_ended_range_discovers_years_months_and_days_by_folder() {
        let mut bucket = archive();
        let today = Day::parse("2026-11-29").unwrap();
        let filter = Filter {
            until: Some(parse_bound("2026-11-01", End::Until, today).unwrap()),
            regions: vec!["us-east-1".into()],
            ..Filter::default()
        };
        let planned = plan("AWSLogs/444455556666/", &filter, &mut bucket).unwrap();
        // The day's two files and the next day's two, delivered in its first hour.
        assert_eq!(planned.objects.len(), 4);
        let listed_whole = |p: &String| p.ends_with("/2026/11/01/") || p.ends_with("/2026/11/02/");
        assert!(bucket.calls.iter().all(|(p, d)| *d || listed_whole(p)));
    }

    #[test]
    fn a_prefix_deep_in_the_layout_starts_there() {
        let mut bucket = archive();
        let prefix = "AWSLogs/444455556666/CloudTrail/eu-west-1/2026/11/04";
        let planned = plan(prefix, &Filter::default(), &mut bucket).unwrap();
        assert_eq!(planned.objects.len(), 2);
        assert_eq!(bucket.calls, [(format!("{prefix}/"), false)]);
    }

    struct Denied;
    impl Lister for Denied {
        fn list(&mut self, prefix: &str, _: bool) -> Result<Listing, SourceError> {
            Err(SourceError::AccessDenied {
                url: format!("s3://b/{prefix}"),
                action: "ListObjectsV2",
            })
        }
    }

    #[test]
    fn access_denied_at_the_first_listing_stops_the_source() {
        let err = plan("", &Filter::default(), &mut Denied).unwrap_err();
        assert!(err.to_string().contains("access denied"), "{err}");
    }
}
