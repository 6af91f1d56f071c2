//! Window behaviour users rely on, event by event.

use super::*;
use crate::alert::Alert;

const T0: Seconds = 1_714_554_000; // 2024-05-01T09:00:00Z

use super::tests_support::alert_by as alert;

fn dedup(window: Seconds) -> Policy {
    Policy {
        mode: Mode::Live,
        grouping: Some(Grouping::Dedup {
            window,
            key: KeyPaths::default(),
        }),
    }
}

fn threshold(count: u64, window: Seconds) -> Policy {
    Policy {
        mode: Mode::Live,
        grouping: Some(Grouping::Threshold {
            count,
            window,
            key: KeyPaths::default(),
        }),
    }
}

/// Feed matches through `decide`, storing what it writes, as the store would.
struct Run {
    policy: Policy,
    stored: Option<Window>,
    deliveries: Vec<Delivery>,
    thresholds: Vec<Digest>,
}

impl Run {
    fn new(policy: Policy) -> Run {
        Run {
            policy,
            stored: None,
            deliveries: vec![],
            thresholds: vec![],
        }
    }

    fn feed(&mut self, a: &Alert, at: Seconds) -> Delivery {
        let key = match &self.policy.grouping {
            Some(g) => key_for(a, g),
            None => String::new(),
        };
        let d = decide(&self.policy, &key, a, at, self.stored.as_ref());
        if let Some(w) = d.write {
            self.stored = Some(w);
        }
        if let Some(t) = d.threshold {
            self.thresholds.push(t);
        }
        self.deliveries.push(d.delivery);
        d.delivery
    }

    fn count(&self, d: Delivery) -> usize {
        self.deliveries.iter().filter(|x| **x == d).count()
    }

    fn flush(&mut self, now: Seconds) -> Vec<Digest> {
        let Some(w) = &self.stored else { return vec![] };
        match claim(w, now, 50) {
            Some((claimed, digests)) => {
                self.stored = Some(settle(&claimed));
                digests
            }
            None => vec![],
        }
    }
}

#[test]
fn a_rule_without_settings_sends_every_match_and_stores_nothing() {
    let p = Policy::default();
    let d = decide(&p, "", &alert(1, "bob", "203.0.113.9"), T0, None);
    assert_eq!((d.delivery, d.write), (Delivery::Sent, None));
    let shadow = Policy {
        mode: Mode::Shadow,
        grouping: dedup(60).grouping,
    };
    let d = decide(&shadow, "k", &alert(1, "bob", "203.0.113.9"), T0, None);
    assert_eq!((d.delivery, d.write), (Delivery::Shadow, None));
}

#[test]
fn a_storm_sends_the_first_then_one_digest_counting_the_rest() {
    let mut run = Run::new(dedup(15 * 60));
    for n in 0..500u32 {
        // 500 changes over 3 minutes.
        run.feed(
            &alert(n, "bob", "203.0.113.9"),
            T0 + Seconds::from(n * 180 / 500),
        );
    }
    assert_eq!(run.count(Delivery::Sent), 1);
    assert_eq!(run.count(Delivery::Deduplicated), 499);
    assert!(
        run.flush(T0 + 15 * 60 - 1).is_empty(),
        "the window is still open"
    );
    let digests = run.flush(T0 + 15 * 60);
    assert_eq!(digests.len(), 1);
    let d = &digests[0];
    assert_eq!(d.kind, DigestKind::Repeats);
    assert_eq!(d.tally.count, 499);
    assert_eq!(d.tally.first, Some(T0));
    assert_eq!(d.tally.last, Some(T0 + 179));
    assert_eq!(
        d.tally.event_names.top(5),
        vec![
            ("RevokeSecurityGroupIngress".to_string(), 250),
            ("AuthorizeSecurityGroupIngress".to_string(), 249)
        ]
    );
    assert_eq!(d.tally.resources.values.values().sum::<u64>(), 499);
    assert!(run.flush(T0 + 3600).is_empty(), "a digest is sent once");
}

#[test]
fn a_window_with_one_match_sends_no_digest() {
    let mut run = Run::new(dedup(600));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    assert!(run.flush(T0 + 10_000).is_empty());
}

#[test]
fn different_principals_have_their_own_windows() {
    let p = dedup(600);
    let a = alert(1, "bob", "203.0.113.9");
    let b = alert(2, "eve", "203.0.113.9");
    let g = p.grouping.as_ref().unwrap();
    assert_ne!(key_for(&a, g), key_for(&b, g));
}

#[test]
fn after_the_window_the_next_match_is_sent_and_the_old_digest_is_kept() {
    let mut run = Run::new(dedup(600));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 10);
    run.feed(&alert(3, "bob", "203.0.113.9"), T0 + 20);
    // No flush ran; the next window opens.
    assert_eq!(
        run.feed(&alert(4, "bob", "203.0.113.9"), T0 + 700),
        Delivery::Sent
    );
    assert_eq!(
        run.feed(&alert(5, "bob", "203.0.113.9"), T0 + 710),
        Delivery::Deduplicated
    );
    let early = run.flush(T0 + 800);
    assert_eq!(early.len(), 1, "the closed window's digest is due");
    assert_eq!((early[0].tally.count, early[0].window_start), (2, T0));
    let late = run.flush(T0 + 1300);
    assert_eq!(late.len(), 1);
    assert_eq!((late[0].tally.count, late[0].window_start), (1, T0 + 700));
}

#[test]
fn the_same_event_retried_is_sent_again_not_folded() {
    let mut run = Run::new(dedup(600));
    let a = alert(1, "bob", "203.0.113.9");
    run.feed(&a, T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 5);
    assert_eq!(run.feed(&a, T0), Delivery::Sent);
    assert_eq!(
        run.stored.as_ref().unwrap().matches,
        2,
        "a retry is not a new match"
    );
}

#[test]
fn an_event_of_the_same_burst_arriving_late_is_folded_into_the_window() {
    let mut run = Run::new(dedup(600));
    run.feed(&alert(5, "bob", "203.0.113.9"), T0 + 5);
    assert_eq!(
        run.feed(&alert(1, "bob", "203.0.113.9"), T0 + 1),
        Delivery::Deduplicated
    );
    let digests = run.flush(T0 + 605);
    assert_eq!(digests[0].tally.first, Some(T0 + 1));
}

#[test]
fn an_event_older_than_its_window_is_sent_rather_than_hidden() {
    let mut run = Run::new(dedup(600));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    assert_eq!(
        run.feed(&alert(2, "bob", "203.0.113.9"), T0 - 601),
        Delivery::Sent
    );
}

#[test]
fn threshold_four_sends_nothing_and_the_fifth_sends_one_alert_naming_five() {
    let mut run = Run::new(threshold(5, 600));
    for n in 0..4u32 {
        assert_eq!(
            run.feed(&alert(n, "bob", "203.0.113.9"), T0 + Seconds::from(n) * 60),
            Delivery::BelowThreshold
        );
    }
    assert!(run.thresholds.is_empty());
    assert!(
        run.flush(T0 + 10_000).is_empty(),
        "below threshold: no digest either"
    );

    let mut run = Run::new(threshold(5, 600));
    for n in 0..5u32 {
        run.feed(&alert(n, "bob", "203.0.113.9"), T0 + Seconds::from(n) * 90);
    }
    assert_eq!(run.count(Delivery::Sent), 1);
    assert_eq!(run.deliveries[4], Delivery::Sent);
    let t = &run.thresholds[0];
    assert_eq!(t.kind, DigestKind::Threshold { count: 5 });
    assert_eq!(t.tally.count, 5);
    assert_eq!(
        t.tally.last.zip(t.tally.first).map(|(l, f)| l - f),
        Some(360)
    );
    assert_eq!(
        t.tally.source_ips.top(1),
        vec![("203.0.113.9".to_string(), 5)]
    );
    // Further matches fold into the window's digest.
    assert_eq!(
        run.feed(&alert(9, "bob", "203.0.113.9"), T0 + 500),
        Delivery::Deduplicated
    );
    let digests = run.flush(T0 + 600);
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].tally.count, 1);
}

#[test]
fn matches_outside_the_threshold_window_start_counting_again() {
    let mut run = Run::new(threshold(3, 600));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 100);
    assert_eq!(
        run.feed(&alert(3, "bob", "203.0.113.9"), T0 + 601),
        Delivery::BelowThreshold
    );
    assert_eq!(run.stored.as_ref().unwrap().matches, 1);
}

#[test]
fn a_claimed_digest_is_not_claimed_twice_until_its_lease_ends() {
    let mut run = Run::new(dedup(60));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 1);
    let w = run.stored.clone().unwrap();
    let (claimed, digests) = claim(&w, T0 + 60, 50).unwrap();
    assert_eq!(digests.len(), 1);
    // A second flush reading the claimed window finds nothing to do…
    assert!(claim(&claimed, T0 + 60, 50).is_none());
    assert!(claim(&claimed, T0 + 109, 50).is_none());
    // …until the lease ends (the first flush died): then it is retried.
    let (_, again) = claim(&claimed, T0 + 110, 50).unwrap();
    assert_eq!(again, digests);
    // A failed publish releases the claim for the next flush at once.
    let (_, retried) = claim(&release(&claimed), T0 + 61, 50).unwrap();
    assert_eq!(retried, digests);
    assert_eq!(due_at(&settle(&claimed)), None, "settled: owes nothing");
}

#[test]
fn matches_arriving_while_a_digest_is_claimed_are_not_lost() {
    let mut run = Run::new(dedup(60));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 1);
    let (claimed, _) = claim(run.stored.as_ref().unwrap(), T0 + 60, 50).unwrap();
    // A late event inside the ended window, while the claim is held.
    let d = decide(
        &run.policy,
        &claimed.key,
        &alert(3, "bob", "203.0.113.9"),
        T0 + 30,
        Some(&claimed),
    );
    let mut w = d.write.unwrap();
    w = settle(&w);
    let (_, late) = claim(&w, T0 + 120, 50).unwrap();
    assert_eq!(late[0].tally.count, 1);
}

#[test]
fn the_storm_guard_passes_max_per_period_and_holds_the_rest() {
    let g = Guard { max: 10, per: 3600 };
    let mut stored: Option<Window> = None;
    let mut passed = 0;
    for n in 0..25u32 {
        let at = T0 + Seconds::from(n);
        let key = guard_key("sms", guard_period(&g, at));
        let d = guard(
            &g,
            &key,
            "sms",
            &alert(n, "bob", "203.0.113.9"),
            at,
            stored.as_ref(),
        );
        passed += usize::from(d.pass);
        stored = Some(d.write);
    }
    assert_eq!(passed, 10);
    let w = stored.unwrap();
    assert!(!is_due(&w, T0 + 100));
    let end = guard_period(&g, T0) + 3600;
    let (_, digests) = claim(&w, end, 50).unwrap();
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].tally.count, 15);
    assert_eq!(
        digests[0].kind,
        DigestKind::Held {
            destination: "sms".into()
        }
    );
    // The next period starts counting again.
    let next = guard_period(&g, end);
    assert_ne!(guard_key("sms", next), w.key);
}

#[test]
fn a_window_round_trips_through_its_stored_form() {
    let mut run = Run::new(threshold(2, 600));
    run.feed(&alert(1, "bob", "203.0.113.9"), T0);
    run.feed(&alert(2, "bob", "203.0.113.9"), T0 + 1);
    run.feed(&alert(3, "bob", "203.0.113.9"), T0 + 2);
    let w = run.stored.unwrap();
    let text = serde_json::to_string(&w).unwrap();
    let back: Window = serde_json::from_str(&text).unwrap();
    assert_eq!(back, w);
    assert!(expires_at(&w) > due_at(&w).unwrap());
}
