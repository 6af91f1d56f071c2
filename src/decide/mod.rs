//! What is sent, and when: shadow mode, dedup windows, thresholds, the storm
//! guard and digests. Pure and synchronous: given the match, the rule's
//! settings, the stored window for its key and the match's event time, it
//! returns the decision and the window to store. Reading and writing windows
//! is the caller's, through [`crate::state`].

pub mod key;
pub mod policy;
pub mod tally;
pub mod time;
mod window;

pub use key::{guard_key, key_values, window_key};
pub use policy::{Grouping, Guard, KeyPaths, Mode, Policy};
pub use tally::{Counter, Tally};
pub use time::{Seconds, parse_duration, parse_time};
pub use window::{
    Decision, Delivery, Digest, DigestKind, GuardDecision, Kind, Part, Subject, Window, claim,
    decide, due_at, expires_at, guard, guard_period, is_due, release, settle,
};

use crate::alert::Alert;

/// The event time of an alert in seconds, when its `eventTime` is well formed.
pub fn event_seconds(alert: &Alert) -> Option<Seconds> {
    alert.event_time.as_deref().and_then(parse_time)
}

/// The store key of `alert` under `grouping`.
pub fn key_for(alert: &Alert, grouping: &Grouping) -> String {
    window_key(&alert.rule.id, &key_values(alert, grouping.key()))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support;
