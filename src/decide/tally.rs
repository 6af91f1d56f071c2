//! What a digest counts: how many matches, first and last time, and the most
//! frequent principals, source IPs, event names and resources with counts.
//!
//! Bounded whatever the storm: each list keeps at most [`TRACKED_MAX`]
//! distinct values (each at most [`VALUE_MAX`] characters, raw: rendering
//! sanitizes), and every further value is counted in `other`, so counts
//! always add up. Merging and ordering are deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::time::Seconds;
use crate::alert::Alert;

/// Distinct values tracked per list.
pub const TRACKED_MAX: usize = 20;
/// Longest value kept, in characters.
pub const VALUE_MAX: usize = 200;
/// Values a digest shows per list.
pub const TOP_SHOWN: usize = 5;

/// Counts of distinct values, bounded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, u64>,
    /// Occurrences of values not tracked (the list was full).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Counter {
    pub fn add(&mut self, value: Option<&str>, n: u64) {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return;
        };
        let value = cap(value);
        if let Some(count) = self.values.get_mut(&value) {
            *count += n;
        } else if self.values.len() < TRACKED_MAX {
            self.values.insert(value, n);
        } else {
            self.other += n;
        }
    }

    pub fn merge(&mut self, other: &Counter) {
        for (value, n) in &other.values {
            self.add(Some(value), *n);
        }
        self.other += other.other;
    }

    /// The `n` most frequent values, most frequent first, ties by value.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> =
            self.values.iter().map(|(v, c)| (v.clone(), *c)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// Occurrences not among the `n` shown.
    pub fn rest(&self, n: usize) -> u64 {
        let shown: u64 = self.top(n).iter().map(|(_, c)| c).sum();
        self.values.values().sum::<u64>() + self.other - shown
    }
}

fn cap(s: &str) -> String {
    s.chars().take(VALUE_MAX).collect()
}

/// Matches folded together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Seconds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Seconds>,
    #[serde(default)]
    pub principals: Counter,
    #[serde(default)]
    pub source_ips: Counter,
    #[serde(default)]
    pub event_names: Counter,
    #[serde(default)]
    pub resources: Counter,
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn add(&mut self, alert: &Alert, at: Seconds) {
        self.count += 1;
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        self.principals.add(alert.principal.display().as_deref(), 1);
        self.source_ips.add(alert.source_ip.as_deref(), 1);
        self.event_names.add(alert.event_name.as_deref(), 1);
        self.resources.add(resource(alert).as_deref(), 1);
    }

    pub fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        self.first = min_opt(self.first, other.first);
        self.last = max_opt(self.last, other.last);
        self.principals.merge(&other.principals);
        self.source_ips.merge(&other.source_ips);
        self.event_names.merge(&other.event_names);
        self.resources.merge(&other.resources);
    }
}

fn min_opt(a: Option<Seconds>, b: Option<Seconds>) -> Option<Seconds> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Seconds>, b: Option<Seconds>) -> Option<Seconds> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What the event acted on: the first ARN of CloudTrail's `resources`, else
/// the first request field the alert shows (a group id, a bucket, a key…).
pub fn resource(alert: &Alert) -> Option<String> {
    let arn = alert
        .record
        .get("resources")
        .and_then(|r| r.as_array())
        .and_then(|r| r.iter().find_map(|x| x.get("ARN")?.as_str()))
        .filter(|a| !a.is_empty());
    arn.map(str::to_string)
        .or_else(|| alert.request_fields.first().map(|(_, v)| v.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_stays_bounded_and_its_counts_add_up() {
        let mut c = Counter::default();
        for i in 0..100u64 {
            c.add(Some(&format!("v{i:03}")), i + 1);
        }
        assert_eq!(c.values.len(), TRACKED_MAX);
        let total: u64 = (1..=100).sum();
        assert_eq!(c.values.values().sum::<u64>() + c.other, total);
        let top = c.top(3);
        assert_eq!(top[0], ("v019".to_string(), 20));
        assert_eq!(c.rest(3) + top.iter().map(|t| t.1).sum::<u64>(), total);
        c.add(Some(&"x".repeat(1000)), 1);
        assert!(c.values.keys().all(|k| k.chars().count() <= VALUE_MAX));
    }

    #[test]
    fn ties_are_ordered_by_value_so_digests_are_deterministic() {
        let mut a = Counter::default();
        a.add(Some("b"), 2);
        a.add(Some("a"), 2);
        a.add(Some("c"), 5);
        a.add(None, 9);
        a.add(Some(""), 9);
        assert_eq!(
            a.top(5),
            vec![("c".into(), 5), ("a".into(), 2), ("b".into(), 2)]
        );
    }

    #[test]
    fn merging_tallies_keeps_the_extremes_and_sums() {
        let mut a = Tally {
            count: 2,
            first: Some(10),
            last: Some(20),
            ..Tally::default()
        };
        a.principals.add(Some("bob"), 2);
        let mut b = Tally {
            count: 3,
            first: Some(5),
            last: Some(15),
            ..Tally::default()
        };
        b.principals.add(Some("bob"), 1);
        b.principals.add(Some("eve"), 2);
        a.merge(&b);
        assert_eq!((a.count, a.first, a.last), (5, Some(5), Some(20)));
        assert_eq!(
            a.principals.top(2),
            vec![("bob".into(), 3), ("eve".into(), 2)]
        );
    }
}
