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
    /// With state on, the alerts by what the function would have done with
    /// them (`sent`, `deduplicated`, ...): the printed lines are matches,
    /// and most of a storm's are not sent.
    pub deliveries: BTreeMap<&'static str, u64>,
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
            // Said only when some alerts would not be sent.
            let held: Vec<String> = self
                .deliveries
                .iter()
                .filter(|(d, n)| **d != "sent" && **n > 0)
                .map(|(d, n)| format!("{n} {d}"))
                .collect();
            if !held.is_empty() {
                let sent = self.deliveries.get("sent").copied().unwrap_or(0);
                line.push_str(&format!("; {sent} sent, {}", held.join(", ")));
            }
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

    #[test]
    fn with_state_the_line_says_how_many_would_be_sent() {
        let mut tally = Tally {
            files: 1,
            events: 6,
            ..Tally::default()
        };
        for _ in 0..6 {
            tally.alert(Severity::High);
        }
        tally.deliveries =
            BTreeMap::from([("below-threshold", 4), ("sent", 1), ("deduplicated", 1)]);
        assert_eq!(
            tally.line(),
            "1 file, 6 events read; 6 alerts: 6 high; 1 sent, 4 below-threshold, 1 deduplicated"
        );
        tally.deliveries = BTreeMap::from([("sent", 6)]);
        assert_eq!(tally.line(), "1 file, 6 events read; 6 alerts: 6 high");
    }
}
