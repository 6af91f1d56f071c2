//! The count `evaluate` and `render` print on stderr after a run, so "no
//! alerts" can be told from "nothing was read".

use std::collections::BTreeMap;

use crate::severity::Severity;

/// What a run read and found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Files (or standard input) opened.
    pub files: u64,
    /// Events evaluated.
    pub events: u64,
    /// JSON documents that are neither an event nor a lookup-events page.
    pub not_events: u64,
    /// Files that could not be opened and records that could not be read.
    pub unreadable: u64,
    /// Alerts printed, by severity.
    pub alerts: BTreeMap<Severity, u64>,
}

impl Tally {
    pub fn alert(&mut self, severity: Severity) {
        *self.alerts.entry(severity).or_default() += 1;
    }

    /// One line: files, events, what was not an event or not readable, and
    /// the alerts by severity (most severe first), or that there were none.
    pub fn line(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{}, {} read",
            plural(self.files, "file", "files"),
            plural(self.events, "event", "events")
        );
        if self.not_events > 0 {
            line.push_str(&format!(", {} not recognised", self.not_events));
        }
        if self.unreadable > 0 {
            line.push_str(&format!(", {} unreadable", self.unreadable));
        }
        let alerts: Vec<String> = self
            .alerts
            .iter()
            .rev()
            .map(|(severity, n)| format!("{n} {}", severity.as_str()))
            .collect();
        if alerts.is_empty() {
            line.push_str("; no alerts");
        } else {
            let total: u64 = self.alerts.values().sum();
            line.push_str(&format!(
                "; {}: {}",
                plural(total, "alert", "alerts"),
                alerts.join(", ")
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_run_says_no_alerts() {
        assert_eq!(Tally::default().line(), "0 files, 0 events read; no alerts");
    }

    #[test]
    fn problems_and_alerts_are_listed_most_severe_first() {
        let mut tally = Tally {
            files: 2,
            events: 1,
            not_events: 3,
            unreadable: 1,
            ..Tally::default()
        };
        tally.alert(Severity::Low);
        tally.alert(Severity::Critical);
        tally.alert(Severity::Low);
        assert_eq!(
            tally.line(),
            "2 files, 1 event read, 3 not recognised, 1 unreadable; 3 alerts: 1 critical, 2 low"
        );
    }
}
