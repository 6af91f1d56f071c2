//! Windows for a stream of events read in order, in memory: what
//! `cloudtrail-alerts evaluate` uses to show what the function would have
//! sent. Digests come out when the stream's event time passes a window's
//! end (as a flush would send them), and the rest at the end of input.

use super::MemoryStore;
use super::gate::{self, Recorded};
use super::memory::run_ready;
use crate::alert::Alert;
use crate::decide::{Delivery, Digest, Guard, Policy, Seconds, event_seconds};

#[derive(Debug, Default)]
pub struct Replay {
    store: MemoryStore,
    /// The latest event time seen: windows that ended by then are flushed.
    watermark: Option<Seconds>,
}

impl Replay {
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Digests of every window that ended before `alert`'s event time, then
    /// the decision for `alert`.
    pub fn record(&mut self, policy: &Policy, alert: &Alert) -> (Vec<Digest>, Recorded) {
        let mut digests = Vec::new();
        if let Some(at) = event_seconds(alert).filter(|at| self.watermark.is_none_or(|w| *at > w)) {
            self.watermark = Some(at);
            digests = self.flush(at);
        }
        let recorded = run_ready(gate::record(&self.store, policy, alert)).unwrap_or(Recorded {
            delivery: Delivery::Sent,
            threshold: None,
            store_error: None,
        });
        (digests, recorded)
    }

    /// Count `alert` against `destination`'s storm guard, as the function
    /// does: true to send it, false when the guard holds it for its digest.
    pub fn admit(&mut self, guard: &Guard, destination: &str, alert: &Alert) -> bool {
        run_ready(gate::admit(&self.store, guard, destination, alert)).is_none_or(|(pass, _)| pass)
    }

    /// Every digest still owed: the end of input closes every window.
    pub fn finish(&mut self) -> Vec<Digest> {
        self.flush(Seconds::MAX)
    }

    fn flush(&mut self, now: Seconds) -> Vec<Digest> {
        let Some((claims, _)) = run_ready(gate::claim_due(&self.store, now)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for claim in claims {
            // An in-memory store never fails, so every claim settles.
            let _ = run_ready(gate::finish(&self.store, &claim, true));
            out.extend(claim.digests);
        }
        out.sort_by(|a, b| {
            (a.window_end, &a.subject.rule_id, &a.key).cmp(&(
                b.window_end,
                &b.subject.rule_id,
                &b.key,
            ))
        });
        out
    }

    /// The store, for inspection.
    pub fn store(&self) -> &MemoryStore {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::tests_support::alert;
    use crate::decide::{Grouping, KeyPaths, Mode, time::format_time};

    #[test]
    fn a_replayed_storm_prints_its_digest_where_the_window_closes() {
        let policy = Policy {
            mode: Mode::Live,
            grouping: Some(Grouping::Dedup {
                window: 600,
                key: KeyPaths::default(),
            }),
        };
        let t0 = 1_714_554_000;
        let mut replay = Replay::new();
        let mut sent = 0;
        for n in 0..10u32 {
            let mut a = alert(n);
            a.event_time = Some(format_time(t0 + i64::from(n)));
            let (digests, r) = replay.record(&policy, &a);
            assert!(digests.is_empty());
            sent += usize::from(r.delivery == Delivery::Sent);
        }
        assert_eq!(sent, 1);
        let mut later = alert(99);
        later.event_time = Some(format_time(t0 + 700));
        let (digests, r) = replay.record(&policy, &later);
        assert_eq!(digests.len(), 1);
        assert_eq!(digests[0].tally.count, 9);
        assert_eq!(r.delivery, Delivery::Sent, "a new window");
        assert!(replay.finish().is_empty(), "the new window has no repeats");
    }
}
