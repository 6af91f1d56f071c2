//! Read → decide → conditional write, retried on conflict: how the function
//! and the CLI apply [`crate::decide`] to a store. Two invocations matching
//! one key at once both read the same version; one write wins, the other
//! reads again and decides again, so exactly one alert is sent.
//!
//! Never lose an alert: a store that cannot be reached (after the client's
//! retries) makes the match be sent as if there were no state, and the
//! error is returned for logging and counting.

use super::{Expect, StateStore, StoreError, Stored};
use crate::alert::Alert;
use crate::decide::{
    self, Delivery, Digest, Guard, Policy, Seconds, Window, claim, event_seconds, guard_key,
    guard_period, key_for,
};

/// Conflicting writes retried before giving up (and failing open). Racing
/// writers pause with jitter in between, so this is generous.
pub const ATTEMPTS: u32 = 64;

/// How long a flush holds a claimed digest: shorter than the schedule's
/// minute, so the next flush retries a digest whose flush died.
pub const LEASE: Seconds = 50;

/// A decision, or the fallback used when the store failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub delivery: Delivery,
    /// Set when this match reached the rule's threshold.
    pub threshold: Option<Digest>,
    /// Set when the store failed and the match is sent as if there were no state.
    pub store_error: Option<StoreError>,
}

/// A store error the caller logs and counts; the alert was sent regardless.
pub type FailOpen = Option<StoreError>;

/// Record one match of a rule under `policy`.
pub async fn record<S: StateStore>(store: &S, policy: &Policy, alert: &Alert) -> Recorded {
    let sent = |store_error| Recorded {
        delivery: Delivery::Sent,
        threshold: None,
        store_error,
    };
    if policy.is_stateless() {
        let d = decide::decide(policy, "", alert, 0, None);
        return Recorded {
            delivery: d.delivery,
            threshold: None,
            store_error: None,
        };
    }
    let (Some(grouping), Some(at)) = (&policy.grouping, event_seconds(alert)) else {
        // No usable event time: no window to put it in, so it goes out.
        return sent(None);
    };
    let key = key_for(alert, grouping);
    let result = update(store, &key, |stored| {
        let d = decide::decide(policy, &key, alert, at, stored.map(|s| &s.window));
        ((d.delivery, d.threshold), d.write)
    })
    .await;
    match result {
        Ok((delivery, threshold)) => Recorded {
            delivery,
            threshold,
            store_error: None,
        },
        Err(e) => sent(Some(e)),
    }
}

/// Count an alert for `destination` against its storm guard: true to
/// publish it, false when it is held for the guard's digest.
pub async fn admit<S: StateStore>(
    store: &S,
    guard: &Guard,
    destination: &str,
    alert: &Alert,
) -> (bool, FailOpen) {
    let Some(at) = event_seconds(alert) else {
        return (true, None);
    };
    let key = guard_key(destination, guard_period(guard, at));
    let result = update(store, &key, |stored| {
        let d = decide::guard(
            guard,
            &key,
            destination,
            alert,
            at,
            stored.map(|s| &s.window),
        );
        (d.pass, Some(d.write))
    })
    .await;
    match result {
        Ok(pass) => (pass, None),
        Err(e) => (true, Some(e)),
    }
}

/// Read the window, let `step` decide, write what it returns on the
/// condition that nobody wrote in between; again on conflict.
async fn update<S, T, F>(store: &S, key: &str, mut step: F) -> Result<T, StoreError>
where
    S: StateStore,
    F: FnMut(Option<&Stored>) -> (T, Option<Window>),
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let stored = store.get(key).await?;
        let (out, write) = step(stored.as_ref());
        let Some(window) = write else {
            return Ok(out);
        };
        let expect = stored.map_or(Expect::Absent, |s| Expect::Version(s.version));
        match store.put(&window, expect).await {
            Ok(_) => return Ok(out),
            Err(e) if e.is_conflict() && attempt < ATTEMPTS => store.pause(attempt).await,
            Err(e) => return Err(e),
        }
    }
}

/// Digests a flush claimed: publish them, then [`finish`].
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    /// The window as claimed, and the version the claim wrote.
    pub window: Window,
    pub version: u64,
    pub digests: Vec<Digest>,
}

/// Claim every digest owed at `now` (the schedule's event time). A window
/// claimed by a racing flush is skipped: it is theirs to send.
pub async fn claim_due<S: StateStore>(store: &S, now: Seconds) -> (Vec<Claimed>, Vec<StoreError>) {
    let mut claimed = Vec::new();
    let mut errors = Vec::new();
    let keys = match store.due(now).await {
        Ok(keys) => keys,
        Err(e) => return (claimed, vec![e]),
    };
    for key in keys {
        let stored = match store.get(&key).await {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some((window, digests)) = claim(&stored.window, now, LEASE) else {
            continue;
        };
        match store.put(&window, Expect::Version(stored.version)).await {
            Ok(version) => claimed.push(Claimed {
                window,
                version,
                digests,
            }),
            // Another flush claimed it, or a match just changed it: the next
            // flush (a minute later) sees it again.
            Err(e) if e.is_conflict() => {}
            Err(e) => errors.push(e),
        }
    }
    (claimed, errors)
}

/// After publishing a claim's digests: forget them if `published`, or hand
/// them back to the next flush. Matches folded in meanwhile are kept.
pub async fn finish<S: StateStore>(
    store: &S,
    claimed: &Claimed,
    published: bool,
) -> Result<(), StoreError> {
    let apply = |w: &Window| {
        if published {
            decide::settle(w)
        } else {
            decide::release(w)
        }
    };
    let mut stored = Stored {
        window: claimed.window.clone(),
        version: claimed.version,
    };
    for attempt in 1..=ATTEMPTS {
        match store
            .put(&apply(&stored.window), Expect::Version(stored.version))
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if e.is_conflict() => {
                store.pause(attempt).await;
                match store.get(&claimed.window.key).await? {
                    // Still our claim, with new matches folded in: settle that.
                    Some(s)
                        if s.window.claimed == claimed.window.claimed
                            && s.window.lease_until == claimed.window.lease_until =>
                    {
                        stored = s;
                    }
                    // Our lease ran out and another flush took the claim over.
                    _ => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict {
        key: claimed.window.key.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::{Grouping, KeyPaths, Mode};
    use crate::state::MemoryStore;
    use crate::state::memory::run_ready;

    fn alert(n: u32, at: &str) -> Alert {
        let mut a = crate::decide::tests_support::alert(n);
        a.event_time = Some(at.to_string());
        a
    }

    fn dedup() -> Policy {
        Policy {
            mode: Mode::Live,
            grouping: Some(Grouping::Dedup {
                window: 600,
                key: KeyPaths::default(),
            }),
        }
    }

    #[test]
    fn a_storm_through_the_store_sends_one_then_one_digest() {
        let store = MemoryStore::new();
        let p = dedup();
        let mut sent = 0;
        for n in 0..50 {
            let r = run_ready(record(&store, &p, &alert(n, "2024-05-01T09:00:00Z"))).unwrap();
            assert_eq!(r.store_error, None);
            sent += usize::from(r.delivery == Delivery::Sent);
        }
        assert_eq!(sent, 1);
        let now = decide::parse_time("2024-05-01T09:10:00Z").unwrap();
        let (claims, errors) = run_ready(claim_due(&store, now)).unwrap();
        assert!(errors.is_empty());
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].digests[0].tally.count, 49);
        // A second flush at the same time finds the claim held.
        let (again, _) = run_ready(claim_due(&store, now)).unwrap();
        assert!(again.is_empty());
        run_ready(finish(&store, &claims[0], true))
            .unwrap()
            .unwrap();
        let (after, _) = run_ready(claim_due(&store, now + 3600)).unwrap();
        assert!(after.is_empty(), "settled digests are not sent again");
    }

    #[test]
    fn a_digest_that_failed_to_publish_is_claimed_by_the_next_flush() {
        let store = MemoryStore::new();
        let p = dedup();
        for n in 0..3 {
            run_ready(record(&store, &p, &alert(n, "2024-05-01T09:00:00Z"))).unwrap();
        }
        let now = decide::parse_time("2024-05-01T09:10:00Z").unwrap();
        let (claims, _) = run_ready(claim_due(&store, now)).unwrap();
        run_ready(finish(&store, &claims[0], false))
            .unwrap()
            .unwrap();
        let (retry, _) = run_ready(claim_due(&store, now + 60)).unwrap();
        assert_eq!(retry[0].digests, claims[0].digests);
    }

    #[test]
    fn an_alert_without_a_usable_event_time_is_sent() {
        let store = MemoryStore::new();
        let p = dedup();
        for _ in 0..2 {
            let r = run_ready(record(&store, &p, &alert(1, "yesterday"))).unwrap();
            assert_eq!(r.delivery, Delivery::Sent);
        }
        assert!(store.snapshot().is_empty());
    }
}
