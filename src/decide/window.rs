//! One key's window: what a match does to it, and what a flush takes from it.
//!
//! Everything here is a pure function of (settings, stored window, the
//! match's event time). The caller reads the window, decides, and writes the
//! result back only if nobody wrote in between, retrying otherwise; so two
//! invocations racing on one key send one alert, and two flushes racing on
//! one window send one digest.

use serde::{Deserialize, Serialize};

use super::policy::{Grouping, Guard, Mode, Policy};
use super::tally::Tally;
use super::time::Seconds;
use crate::alert::Alert;
use crate::severity::Severity;

/// What happened to one match, as reported per alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Published now (the first of a window, a threshold reached, or a rule
    /// without dedup).
    Sent,
    /// Recorded in its window; counted in the window's digest.
    Deduplicated,
    /// Recorded; the threshold is not reached yet.
    BelowThreshold,
    /// The rule is in shadow mode: counted, never published.
    Shadow,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Deduplicated => "deduplicated",
            Delivery::BelowThreshold => "below-threshold",
            Delivery::Shadow => "shadow",
        }
    }
}

/// The rule and account a window belongs to, kept in the window so a flush
/// can render and route its digest on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
}

impl Subject {
    pub fn of(alert: &Alert) -> Subject {
        Subject {
            rule_id: alert.rule.id.clone(),
            title: alert.rule.title.clone(),
            severity: alert.rule.severity,
            account: alert.account.clone(),
            account_name: alert.account_name.clone(),
        }
    }
}

/// What a window groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Kind {
    /// A rule's matches for one key; `count` is its threshold (1 for dedup).
    Rule { count: u64 },
    /// A destination's storm guard for one period.
    Guard { destination: String, max: u64 },
}

/// Matches of an earlier or current window that a digest will report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub start: Seconds,
    pub end: Seconds,
    pub tally: Tally,
}

/// The stored state of one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub key: String,
    pub kind: Kind,
    pub subject: Subject,
    pub start: Seconds,
    pub end: Seconds,
    /// Matches in the current window, sent or not.
    pub matches: u64,
    /// The current window's alert went out (first match, or threshold reached).
    pub alerted: bool,
    /// The event that alert was for: the same event coming back (Lambda
    /// retrying a failed invocation) is sent again, not folded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_event_id: Option<String>,
    /// Matches before the threshold was reached (threshold windows).
    #[serde(default)]
    pub counted: Tally,
    /// Matches folded into the current window's digest.
    #[serde(default)]
    pub pending: Tally,
    /// Earlier windows of this key whose digest is still to be sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<Part>,
    /// Parts a flush has claimed and is publishing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claimed: Vec<Part>,
    /// Until when the claim holds; past it the next flush takes the claim over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<Seconds>,
}

/// Earlier windows kept per key before they are merged into one part; a
/// flush every minute keeps this near one.
const CLOSED_MAX: usize = 8;

/// Why a digest or threshold message is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum DigestKind {
    /// Matches folded after the window's alert.
    Repeats,
    /// The threshold alert itself: `count` matches reached.
    Threshold { count: u64 },
    /// Alerts the destination's storm guard held back.
    Held { destination: String },
}

/// One digest message's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Digest {
    pub kind: DigestKind,
    pub subject: Subject,
    /// The window's key: threads the alert, its repeats and its digest in chat.
    pub key: String,
    pub window_start: Seconds,
    pub window_end: Seconds,
    pub tally: Tally,
}

/// The outcome of one match.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub delivery: Delivery,
    /// Set when this match reached the rule's threshold: what the alert says.
    pub threshold: Option<Digest>,
    /// The window to store, or `None` when nothing changes.
    pub write: Option<Window>,
}

impl Decision {
    fn stateless(delivery: Delivery) -> Decision {
        Decision {
            delivery,
            threshold: None,
            write: None,
        }
    }
}

/// What `alert` (at event time `at`, grouped under `key`) does, given the
/// stored window for `key`.
pub fn decide(
    policy: &Policy,
    key: &str,
    alert: &Alert,
    at: Seconds,
    stored: Option<&Window>,
) -> Decision {
    if policy.mode == Mode::Shadow {
        return Decision::stateless(Delivery::Shadow);
    }
    let Some(grouping) = &policy.grouping else {
        return Decision::stateless(Delivery::Sent);
    };
    let count = grouping.count().max(1);
    let mut w = match stored {
        // Concurrent invocations of one burst land in any order: an event a
        // little older than the window's first belongs to the same burst,
        // and the window reaches back to it.
        Some(w) if at < w.start && at >= w.start.saturating_sub(grouping.window()) => {
            let mut w = w.clone();
            w.start = at;
            w
        }
        // Older still: its own window is gone; sending it is the only way
        // not to hide it.
        Some(w) if at < w.start => return Decision::stateless(Delivery::Sent),
        Some(w) if at < w.end => w.clone(),
        Some(w) => roll_over(w, grouping, at),
        None => open(key, grouping, alert, at),
    };
    let retry = w.alerted && alert.event_id.is_some() && alert.event_id == w.alert_event_id;
    if retry {
        let threshold = (count > 1).then(|| threshold_digest(&w, count));
        return Decision {
            delivery: Delivery::Sent,
            threshold,
            write: None,
        };
    }
    w.matches += 1;
    if w.alerted {
        w.pending.add(alert, at);
        return Decision {
            delivery: Delivery::Deduplicated,
            threshold: None,
            write: Some(w),
        };
    }
    w.counted.add(alert, at);
    if w.matches < count {
        return Decision {
            delivery: Delivery::BelowThreshold,
            threshold: None,
            write: Some(w),
        };
    }
    w.alerted = true;
    w.alert_event_id = alert.event_id.clone();
    let threshold = (count > 1).then(|| threshold_digest(&w, count));
    Decision {
        delivery: Delivery::Sent,
        threshold,
        write: Some(w),
    }
}

fn open(key: &str, grouping: &Grouping, alert: &Alert, at: Seconds) -> Window {
    Window {
        key: key.to_string(),
        kind: Kind::Rule {
            count: grouping.count(),
        },
        subject: Subject::of(alert),
        start: at,
        end: at.saturating_add(grouping.window()),
        matches: 0,
        alerted: false,
        alert_event_id: None,
        counted: Tally::default(),
        pending: Tally::default(),
        closed: Vec::new(),
        claimed: Vec::new(),
        lease_until: None,
    }
}

/// A new window opened at `at`, keeping what the old one still owes.
fn roll_over(old: &Window, grouping: &Grouping, at: Seconds) -> Window {
    let mut w = old.clone();
    if !old.pending.is_empty() {
        w.closed.push(Part {
            start: old.start,
            end: old.end,
            tally: old.pending.clone(),
        });
    }
    while w.closed.len() > CLOSED_MAX {
        let first = w.closed.remove(0);
        let next = &mut w.closed[0];
        next.start = first.start;
        next.tally.merge(&first.tally);
    }
    w.start = at;
    w.end = at.saturating_add(grouping.window());
    w.kind = Kind::Rule {
        count: grouping.count(),
    };
    w.matches = 0;
    w.alerted = false;
    w.alert_event_id = None;
    w.counted = Tally::default();
    w.pending = Tally::default();
    w
}

fn threshold_digest(w: &Window, count: u64) -> Digest {
    Digest {
        kind: DigestKind::Threshold { count },
        subject: w.subject.clone(),
        key: w.key.clone(),
        window_start: w.start,
        window_end: w.end,
        tally: w.counted.clone(),
    }
}

/// What the storm guard does with an alert for one destination.
#[derive(Clone, Debug, PartialEq)]
pub struct GuardDecision {
    /// True: publish; false: held and counted in the guard's digest.
    pub pass: bool,
    pub write: Window,
}

/// The period of the guard `at` falls in: `[start, start + per)`, aligned
/// on multiples of `per` since the epoch.
pub fn guard_period(guard: &Guard, at: Seconds) -> Seconds {
    let per = guard.per.max(1);
    at.div_euclid(per) * per
}

/// Count an alert for `destination` against its guard.
pub fn guard(
    guard: &Guard,
    key: &str,
    destination: &str,
    alert: &Alert,
    at: Seconds,
    stored: Option<&Window>,
) -> GuardDecision {
    let start = guard_period(guard, at);
    let mut w = match stored {
        Some(w) => w.clone(),
        None => Window {
            key: key.to_string(),
            kind: Kind::Guard {
                destination: destination.to_string(),
                max: guard.max,
            },
            subject: Subject {
                rule_id: String::new(),
                title: String::new(),
                severity: alert.rule.severity,
                account: None,
                account_name: None,
            },
            start,
            end: start.saturating_add(guard.per.max(1)),
            matches: 0,
            alerted: false,
            alert_event_id: None,
            counted: Tally::default(),
            pending: Tally::default(),
            closed: Vec::new(),
            claimed: Vec::new(),
            lease_until: None,
        },
    };
    w.matches += 1;
    let pass = w.matches <= guard.max;
    if !pass {
        // The digest goes where the held alerts were going, at the highest
        // severity among them.
        w.subject.severity = w.subject.severity.max(alert.rule.severity);
        w.pending.add(alert, at);
    }
    GuardDecision { pass, write: w }
}

/// When the window next has a digest to send (its end, or the end of a
/// claim's lease), or `None` when it owes nothing. Stores index windows by
/// this, so a flush finds them without a scan.
pub fn due_at(w: &Window) -> Option<Seconds> {
    let earliest = if !w.claimed.is_empty() {
        Some(w.claimed.iter().map(|p| p.end).min().unwrap_or(w.end))
    } else if !w.closed.is_empty() {
        w.closed.iter().map(|p| p.end).min()
    } else if !w.pending.is_empty() {
        Some(w.end)
    } else {
        None
    }?;
    Some(earliest.max(w.lease_until.unwrap_or(Seconds::MIN)))
}

/// True when a flush at `now` has a digest to send from `w`.
pub fn is_due(w: &Window, now: Seconds) -> bool {
    due_at(w).is_some_and(|t| t <= now) && !parts_due(w, now).is_empty()
}

fn parts_due(w: &Window, now: Seconds) -> Vec<Part> {
    let mut parts = w.claimed.clone();
    parts.extend(w.closed.iter().filter(|p| p.end <= now).cloned());
    if w.end <= now && !w.pending.is_empty() {
        parts.push(Part {
            start: w.start,
            end: w.end,
            tally: w.pending.clone(),
        });
    }
    parts
}

/// Claim every digest `w` owes at `now`, for `lease` seconds: the window to
/// write (conditionally) and the digests to publish once the write succeeded.
pub fn claim(w: &Window, now: Seconds, lease: Seconds) -> Option<(Window, Vec<Digest>)> {
    if !is_due(w, now) {
        return None;
    }
    let parts = parts_due(w, now);
    let mut next = w.clone();
    next.claimed = parts.clone();
    next.closed.retain(|p| p.end > now);
    if w.end <= now {
        next.pending = Tally::default();
    }
    next.lease_until = Some(now.saturating_add(lease));
    let digests = parts
        .into_iter()
        .map(|p| Digest {
            kind: match &w.kind {
                Kind::Rule { .. } => DigestKind::Repeats,
                Kind::Guard { destination, .. } => DigestKind::Held {
                    destination: destination.clone(),
                },
            },
            subject: w.subject.clone(),
            key: w.key.clone(),
            window_start: p.start,
            window_end: p.end,
            tally: p.tally,
        })
        .collect();
    Some((next, digests))
}

/// The claimed digests went out: forget them.
pub fn settle(w: &Window) -> Window {
    let mut next = w.clone();
    next.claimed.clear();
    next.lease_until = None;
    next
}

/// Publishing failed: keep the claimed digests for the next flush, now.
pub fn release(w: &Window) -> Window {
    let mut next = w.clone();
    next.lease_until = None;
    next
}

/// When a store may delete the window: well after anything it owes could
/// still be flushed. Correctness never depends on it (deletion is lazy);
/// it only keeps the table small.
pub fn expires_at(w: &Window) -> Seconds {
    const KEEP: Seconds = 7 * 86_400;
    due_at(w).unwrap_or(w.end).max(w.end).saturating_add(KEEP)
}
