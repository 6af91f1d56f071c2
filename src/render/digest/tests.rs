use serde_json::Value;

use super::*;
use crate::decide::{Subject, Tally, parse_time};
use crate::severity::Severity;

fn digest(kind: DigestKind, principals: &[(&str, u64)], ips: &[(&str, u64)]) -> Digest {
    let mut tally = Tally {
        count: principals.iter().map(|p| p.1).sum(),
        first: parse_time("2024-05-01T09:00:00Z"),
        last: parse_time("2024-05-01T09:06:00Z"),
        ..Tally::default()
    };
    for (p, n) in principals {
        tally.principals.add(Some(p), *n);
    }
    for (ip, n) in ips {
        tally.source_ips.add(Some(ip), *n);
    }
    tally.event_names.add(Some("ConsoleLogin"), tally.count);
    Digest {
        kind,
        subject: Subject {
            rule_id: "console-login-failure".into(),
            title: "Failed console sign-in".into(),
            severity: Severity::Medium,
            account: Some("111122223333".into()),
            account_name: Some("prod".into()),
        },
        key: "w#console-login-failure#0123456789abcdef0123456789abcdef".into(),
        window_start: parse_time("2024-05-01T09:00:00Z").unwrap(),
        window_end: parse_time("2024-05-01T09:10:00Z").unwrap(),
        tally,
    }
}

#[test]
fn a_threshold_message_names_the_count_the_principal_the_ip_and_the_span() {
    let d = digest(
        DigestKind::Threshold { count: 5 },
        &[("bob", 5)],
        &[("203.0.113.9", 5)],
    );
    assert_eq!(
        sms(&d),
        "MEDIUM: 5 x Failed console sign-in by bob from 203.0.113.9 in 6 min in prod"
    );
    assert_eq!(
        subject(&d),
        "[MEDIUM] 5 x Failed console sign-in by bob from 203.0.113.9 in 6 min in prod (111122223333)"
    );
}

#[test]
fn a_repeats_digest_counts_and_lists_with_counts() {
    let d = digest(
        DigestKind::Repeats,
        &[("bob", 40), ("eve", 9)],
        &[("203.0.113.9", 49)],
    );
    let e = email(&d);
    assert!(
        e.starts_with("49 more: Failed console sign-in over 6 min\n"),
        "{e}"
    );
    assert!(e.contains("\nMatches:      49\n"), "{e}");
    assert!(
        e.contains("\nFirst:        2024-05-01 09:00:00 UTC\n"),
        "{e}"
    );
    assert!(
        e.contains("\nPrincipals\n      40  bob\n       9  eve\n"),
        "{e}"
    );
    let j: Value = serde_json::from_str(&json(&d)).unwrap();
    assert_eq!(j["delivery"], "digest");
    assert_eq!(j["count"], 49);
    assert_eq!(j["first_time"], "2024-05-01T09:00:00Z");
    assert_eq!(j["last_time"], "2024-05-01T09:06:00Z");
    assert_eq!(
        j["top"]["principals"]["top"][1],
        serde_json::json!({"value": "eve", "count": 9})
    );
}

#[test]
fn chat_threads_on_the_window_key() {
    let d = digest(DigestKind::Repeats, &[("bob", 3)], &[]);
    let c: Value = serde_json::from_str(&chat(&d)).unwrap();
    assert_eq!(
        c["metadata"]["threadId"],
        "w:console-login-failure:0123456789abcdef0123456789abcdef"
    );
    assert_eq!(c["version"], "1.0");
}

#[test]
fn hostile_values_are_sanitized_in_every_output() {
    let evil = "<!channel> \u{202e}evil\nBcc: x@example.com\u{1b}[31m http://bad.example/";
    let d = digest(
        DigestKind::Threshold { count: 5 },
        &[(evil, 5)],
        &[(&"9".repeat(500), 5)],
    );
    let s = sms(&d);
    assert!(
        s.len() <= SMS_MAX && s.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "{s}"
    );
    let subj = subject(&d);
    assert!(subj.len() <= SUBJECT_MAX && subj.bytes().all(|b| (0x20..0x7f).contains(&b)));
    let e = email(&d);
    assert!(
        !e.contains('\u{202e}') && !e.contains('\u{1b}') && !e.contains("\nBcc:"),
        "{e}"
    );
    assert!(!e.contains("http://bad.example"), "links are defanged: {e}");
    let c = chat(&d);
    let doc: Value = serde_json::from_str(&c).unwrap();
    let text = doc["content"].to_string();
    assert!(!text.contains("<!channel>"), "{text}");
    let title = doc["content"]["title"].as_str().unwrap();
    assert!(
        !title.chars().any(crate::render::sanitize::is_forbidden),
        "{title:?}"
    );
}

#[test]
fn a_held_digest_names_its_destination() {
    let mut d = digest(
        DigestKind::Held {
            destination: "sms".into(),
        },
        &[("bob", 15)],
        &[],
    );
    d.subject.rule_id = String::new();
    d.subject.title = String::new();
    assert_eq!(
        sms(&d),
        "MEDIUM: 15 alerts held back by the storm guard of sms in prod"
    );
    let r = request(&d, "sms", "arn:aws:sns:us-east-1:111122223333:sms");
    assert_eq!(r.attributes.get("digest").map(String::as_str), Some("true"));
    assert!(!r.attributes.contains_key("rule"));
}

#[test]
fn an_alert_threads_with_its_digest() {
    let d = digest(DigestKind::Repeats, &[("bob", 3)], &[]);
    let alert = crate::decide::tests_support::alert(1);
    let mut request = crate::render::publish_requests(
        &alert,
        &[crate::render::Destination {
            name: "alerts".into(),
            topic_arn: "arn:aws:sns:us-east-1:111122223333:alerts".into(),
            min_severity: Severity::Info,
        }],
    )
    .remove(0);
    thread_request(&mut request, &d.key);
    let alert_chat: Value = serde_json::from_str(&request.message.https).unwrap();
    let digest_chat: Value = serde_json::from_str(&chat(&d)).unwrap();
    assert_eq!(
        alert_chat["metadata"]["threadId"],
        digest_chat["metadata"]["threadId"]
    );
    assert_eq!(alert_chat["version"], "1.0");
}
