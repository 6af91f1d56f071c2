//! CloudTrail's archive layout and the filters that prune it.
//!
//! A trail writes `[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/FILE.json.gz`
//! (Insights events under `CloudTrail-Insight/`, digests under
//! `CloudTrail-Digest/`). The same tree appears on disk after `aws s3 sync`, so
//! local directories and S3 keys are judged by the same code: a path is split
//! into segments, located in the layout, and admitted or not by a [`Filter`]
//! before anything below it is read.

use super::time::{Bound, Day};

/// The folders under an account that hold events; every other one (digests,
/// anything a person put there) is skipped.
pub const EVENT_FOLDERS: [&str; 2] = ["CloudTrail", "CloudTrail-Insight"];

/// What `--since`, `--until`, `--accounts` and `--regions` keep. Empty lists
/// keep everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub since: Option<Bound>,
    pub until: Option<Bound>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

impl Filter {
    pub fn account_ok(&self, account: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account)
    }

    pub fn region_ok(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// Whether an `eventTime` (`YYYY-MM-DDTHH:MM:SSZ`) is in range. A file's
    /// folder is the day it was delivered, so the events of a file near
    /// midnight can belong to the day before: the folders choose the files,
    /// this chooses the events.
    pub fn time_ok(&self, event_time: &str) -> bool {
        // A fractional eventTime (`…:05.123Z`) compares on its first 19 characters.
        let t = event_time.get(..19).unwrap_or(event_time);
        let after = self.since.as_ref().is_none_or(|s| t >= &s.instant[..19]);
        let before = self.until.as_ref().is_none_or(|u| t <= &u.instant[..19]);
        after && before
    }

    pub fn has_range(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Days `since..=until` when both ends are known.
    pub fn days(&self) -> Option<Vec<Day>> {
        let (since, until) = (self.since.as_ref()?.day, self.until.as_ref()?.day);
        let mut days = Vec::new();
        let mut day = since;
        while day <= until {
            days.push(day);
            day = day.next();
        }
        Some(days)
    }

    /// The day after `until`: CloudTrail files an event under the day it
    /// delivers the file, minutes later, so the last events before midnight
    /// are in the next day's first files.
    pub fn tail_day(&self) -> Option<Day> {
        self.until.as_ref().map(|u| u.day.next())
    }

    /// Whether a date folder (year, year/month or year/month/day) may hold
    /// events in range: from `since` to the day after `until` (see [`Filter::tail_day`]).
    fn date_ok(&self, year: i32, month: Option<u32>, day: Option<u32>) -> bool {
        let key = |d: Day| (d.year, month.map(|_| d.month), day.map(|_| d.day));
        let here = (year, month, day);
        let since_ok = self.since.as_ref().is_none_or(|s| here >= key(s.day));
        let until_ok = self.tail_day().is_none_or(|t| here <= key(t));
        since_ok && until_ok
    }

    /// The start of the names of the files delivered in the first hour of
    /// the tail day: `ACCOUNT_CloudTrail_REGION_YYYYMMDDT00`.
    pub fn tail_name(account: &str, folder: &str, region: &str, day: Day) -> String {
        format!(
            "{account}_{folder}_{region}_{:04}{:02}{:02}T00",
            day.year, day.month, day.day
        )
    }
}

/// Where a path sits in the layout: each field is set once the path reaches it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Located<'a> {
    pub org: Option<&'a str>,
    pub account: Option<&'a str>,
    pub folder: Option<&'a str>,
    pub region: Option<&'a str>,
    pub year: Option<&'a str>,
    pub month: Option<&'a str>,
    pub day: Option<&'a str>,
}

/// Locate folder segments (without the file name) in the layout; `None`
/// when no segment is `AWSLogs`.
pub fn locate<'a>(folders: &[&'a str]) -> Option<Located<'a>> {
    let at = folders.iter().rposition(|s| *s == "AWSLogs")?;
    let mut rest = folders[at + 1..].iter().copied();
    let mut found = Located::default();
    let mut next = rest.next();
    if let Some(org) = next.filter(|s| s.starts_with("o-")) {
        found.org = Some(org);
        next = rest.next();
    }
    found.account = next;
    found.folder = rest.next();
    found.region = rest.next();
    found.year = rest.next();
    found.month = rest.next();
    found.day = rest.next();
    Some(found)
}

/// Whether anything under these folders may be read: every part of the
/// layout the path reaches must pass the filter and look like CloudTrail's
/// (12-digit account, an event folder, numeric dates). Folders outside any
/// `AWSLogs` tree are admitted; only their files' names are checked.
pub fn admits(folders: &[&str], filter: &Filter) -> bool {
    let Some(at) = locate(folders) else {
        return true;
    };
    if let Some(account) = at.account
        && (!is_account(account) || !filter.account_ok(account))
    {
        return false;
    }
    if let Some(folder) = at.folder
        && !EVENT_FOLDERS.contains(&folder)
    {
        return false;
    }
    if let Some(region) = at.region
        && !filter.region_ok(region)
    {
        return false;
    }
    let Some(year) = at.year else {
        return true;
    };
    let number = |s: Option<&str>, len: usize| match s {
        None => Some(None),
        Some(s) if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok().map(Some)
        }
        Some(_) => None,
    };
    let (Some(Some(year)), Some(month), Some(day)) = (
        number(Some(year), 4),
        number(at.month, 2),
        number(at.day, 2),
    ) else {
        return false;
    };
    filter.date_ok(year as i32, month, day)
}

/// A 12-digit AWS account id.
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a file name is one events are read from: `.json`, `.jsonl`,
/// `.ndjson`, each optionally gzipped; never a hidden file.
pub fn is_event_file(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [".json", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Whether the file at `key` (`/`-separated) is to be read; nothing under a
/// hidden folder is.
pub fn admits_file(key: &str, filter: &Filter) -> bool {
    let mut parts: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
    let Some(name) = parts.pop() else {
        return false;
    };
    !parts.iter().any(|s| s.starts_with('.')) && admits_file_in(&parts, name, filter)
}

/// Whether the file `name` in these folders is to be read: an event file in
/// an admitted folder and, in the day after `until`, one delivered in its
/// first hour.
pub fn admits_file_in(folders: &[&str], name: &str, filter: &Filter) -> bool {
    if !is_event_file(name) || !admits(folders, filter) {
        return false;
    }
    let (Some(at), Some(tail)) = (locate(folders), filter.tail_day()) else {
        return true;
    };
    let day = match (at.year, at.month, at.day) {
        (Some(y), Some(m), Some(d)) => match (y.parse(), m.parse(), d.parse()) {
            (Ok(y), Ok(m), Ok(d)) => Day::new(y, m, d),
            _ => None,
        },
        _ => None,
    };
    if day != Some(tail) {
        return true;
    }
    let stamp = format!("_{:04}{:02}{:02}T00", tail.year, tail.month, tail.day);
    name.contains(&stamp)
}

#[cfg(test)]
mod tests {
    use super::super::time::{End, parse_bound};
    use super::*;

    fn filter(since: &str, until: &str) -> Filter {
        let today = Day::parse("2026-11-29").unwrap();
        Filter {
            since: Some(parse_bound(since, End::Since, today).unwrap()),
            until: Some(parse_bound(until, End::Until, today).unwrap()),
            ..Filter::default()
        }
    }

    const KEY: &str = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/03/111122223333_CloudTrail_eu-west-1_20261103T0000Z_abc.json.gz";

    #[test]
    fn a_cloudtrail_key_is_located_with_or_without_an_organization() {
        let folders: Vec<&str> = KEY.split('/').collect();
        let at = locate(&folders[..folders.len() - 1]).unwrap();
        assert_eq!(at.account, Some("111122223333"));
        assert_eq!(at.region, Some("eu-west-1"));
        assert_eq!(at.day, Some("03"));
        let org = [
            "trails",
            "AWSLogs",
            "o-abc123",
            "444455556666",
            "CloudTrail",
        ];
        let at = locate(&org).unwrap();
        assert_eq!(
            (at.org, at.account),
            (Some("o-abc123"), Some("444455556666"))
        );
        assert_eq!(at.folder, Some("CloudTrail"));
        assert_eq!(locate(&["logs", "2026"]), None);
    }

    #[test]
    fn digests_hidden_files_and_other_extensions_are_skipped() {
        let all = Filter::default();
        assert!(admits_file(KEY, &all));
        assert!(admits_file("exports/day.jsonl", &all));
        assert!(admits_file(
            "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/11/03/x.json.gz",
            &all
        ));
        for skipped in [
            "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/03/d.json.gz",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/03/notes.txt",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/03/.hidden.json",
            "logs/.git/config.json",
            "AWSLogs/not-an-account/CloudTrail/eu-west-1/2026/11/03/x.json.gz",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/xx/03/x.json.gz",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/03",
        ] {
            assert!(!admits_file(skipped, &all), "{skipped}");
        }
    }

    #[test]
    fn accounts_regions_and_days_prune_folders() {
        let mut f = filter("2026-11-02", "2026-11-04");
        f.accounts = vec!["111122223333".into()];
        f.regions = vec!["eu-west-1".into()];
        assert!(admits_file(KEY, &f));
        let folders = |s: &str| s.split('/').map(str::to_string).collect::<Vec<_>>();
        let ok = |s: &str| {
            admits(
                &folders(s).iter().map(String::as_str).collect::<Vec<_>>(),
                &f,
            )
        };
        assert!(ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026"));
        assert!(ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11"));
        assert!(!ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10"));
        assert!(!ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2025"));
        assert!(!ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/06"));
        assert!(ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/02"));
        assert!(!ok("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01"));
        assert!(!ok("AWSLogs/444455556666/CloudTrail"));
        assert!(!ok("AWSLogs/o-abc/111122223333/CloudTrail/us-east-1"));
        assert!(ok("AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1"));
    }

    #[test]
    fn the_day_after_until_gives_only_its_first_hour_of_files() {
        let f = filter("2026-11-02", "2026-11-04");
        let dir = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/05";
        let early = format!("{dir}/111122223333_CloudTrail_eu-west-1_20261105T0005Z_a.json.gz");
        let later = format!("{dir}/111122223333_CloudTrail_eu-west-1_20261105T0105Z_a.json.gz");
        assert!(admits_file(&early, &f));
        assert!(!admits_file(&later, &f));
        assert!(admits_file(&later, &Filter::default()));
        assert_eq!(
            Filter::tail_name(
                "111122223333",
                "CloudTrail",
                "eu-west-1",
                f.tail_day().unwrap()
            ),
            "111122223333_CloudTrail_eu-west-1_20261105T00"
        );
    }

    #[test]
    fn event_times_are_kept_inside_the_range_only() {
        let f = filter("2026-11-02T10:00", "2026-11-04");
        assert!(f.time_ok("2026-11-02T10:00:00Z"));
        assert!(f.time_ok("2026-11-04T23:59:59Z"));
        assert!(f.time_ok("2026-11-03T01:02:03.456Z"));
        assert!(!f.time_ok("2026-11-02T09:59:59Z"));
        assert!(!f.time_ok("2026-11-05T00:00:00Z"));
        assert!(Filter::default().time_ok("anything"));
        assert_eq!(f.days().unwrap().len(), 3);
    }
}
