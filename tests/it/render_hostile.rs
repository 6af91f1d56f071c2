//! Events crafted to break the alerts: forged lines and links, escapes,
//! invisible characters, markup and mentions, huge and deeply nested values,
//! wrong types. Each must still give a deliverable, honest alert.

use crate::support::render::{
    alert_for, check_invariants, custom_rule, hostile_events, invisible_chars, sample_events,
    settings,
};
use cloudtrail_alerts::alert::{Alert, Principal, RuleInfo};
use cloudtrail_alerts::render;
use cloudtrail_alerts::routing::{Destination, Router};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::testing;
use serde_json::{Value, json};

fn hostile(name: &str) -> Value {
    hostile_events()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no hostile event {name}"))
        .1
}

fn sample(name: &str) -> Value {
    sample_events()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sample event {name}"))
        .1
}

#[test]
fn every_hostile_fixture_keeps_every_invariant() {
    let events = hostile_events();
    assert!(events.len() >= 7);
    for (name, event) in events {
        check_invariants(&name, &alert_for(&name, &event));
    }
}

#[test]
fn forged_lines_stay_inside_their_value() {
    let alert = alert_for("line-forgery", &hostile("line-forgery"));
    let email = render::email(&alert);
    let severity: Vec<&str> = email
        .lines()
        .filter(|l| l.starts_with("Severity:"))
        .collect();
    assert_eq!(severity, ["Severity:     HIGH"]);
    let user = email.lines().find(|l| l.starts_with("User:")).unwrap();
    assert_eq!(
        user,
        "User:         alice Severity: low Rule: harmless-rule"
    );
    let ua = email
        .lines()
        .find(|l| l.starts_with("User agent:"))
        .unwrap();
    assert!(ua.contains("hxxps://evil[.]example/login"), "{ua}");
    assert!(!email.contains("https://evil") && !email.contains("http://evil"));
    assert_eq!(
        email.lines().filter(|l| l.starts_with("Event id:")).count(),
        1
    );
}

#[test]
fn crafted_region_or_event_id_gives_no_console_link() {
    let alert = alert_for("crafted-link-fields", &hostile("crafted-link-fields"));
    assert_eq!(alert.console_link(), None);
    assert!(!render::email(&alert).contains("CloudTrail:"));
    let chat = render::chat(&alert);
    assert!(!chat.contains("console.aws.amazon.com"));
    assert!(!chat.contains("https://evil"));
}

#[test]
fn chat_escapes_markup_and_mentions() {
    let alert = alert_for("markdown-mentions", &hostile("markdown-mentions"));
    let doc: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
    let description = doc["content"]["description"].as_str().unwrap();
    assert!(description.contains("＜!channel＞"), "{description}");
    assert!(description.contains("＠here"));
    assert!(description.contains("[click]（hxxps://evil[.]example/phish)"));
    assert!(description.contains("user/＊bold＊＿it＿～strike～"));
    // The multi-line error message is one line, so `## Heading` is no heading.
    assert!(description.contains("*Error:* ## Heading - list 1. item ＞ quote ｀｀｀ code ｀｀｀"));
    assert!(!description.contains('\\'), "{description}");
}

#[test]
fn ansi_bidi_and_invisible_characters_are_removed() {
    let alert = alert_for("ansi-bidi-invisible", &hostile("ansi-bidi-invisible"));
    let email = render::email(&alert);
    assert!(
        email.contains("User agent:   red click tab here C1"),
        "{email}"
    );
    assert!(email.contains("Session:      gpj[.]exex"), "{email}");
    assert!(email.contains("  Bucket:     logshidden"));
    let line = render::text_line(&alert, false);
    assert!(!line.contains('\u{1b}') && !line.contains('\u{202e}'));
}

#[test]
fn bare_host_names_are_defanged_where_clients_autolink() {
    let alert = alert_for("bare-domains", &hostile("bare-domains"));
    let email = render::email(&alert);
    let doc: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
    let chat = doc["content"]["description"].as_str().unwrap();
    let sms = render::sms(&alert);
    for text in [email.as_str(), chat, sms.as_str()] {
        for raw in ["evil-aws-login.com", "evil.com", "evil-support.com"] {
            assert!(!text.contains(raw), "{raw} in {text}");
        }
    }
    for text in [email.as_str(), chat] {
        assert!(text.contains("www[.]evil-aws-login[.]com"), "{text}");
        assert!(text.contains("evil[.]com/reset"), "{text}");
        assert!(text.contains("hxxps://evil[.]com"), "{text}");
        assert!(text.contains("evil-support[.]com"), "{text}");
        // The service that logged the event, and the link the alert builds.
        assert!(
            text.contains("ConsoleLogin (signin.amazonaws.com)"),
            "{text}"
        );
        assert!(
            text.contains(
                "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1\
                 #/events/4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a"
            ),
            "{text}"
        );
    }
    assert!(sms.contains("by evil[.]com/reset"), "{sms}");
}

#[test]
fn chat_shows_user_agents_and_arns_as_typed() {
    let ua = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exec-env/AWS_ECS_EC2 (botocore) [beta]";
    let arn = "arn:aws:sts::111122223333:assumed-role/Admin_Role/alice_b";
    let event = json!({"region": "eu-west-1", "detail": {
        "eventName": "AttachRolePolicy", "eventSource": "iam.amazonaws.com",
        "userAgent": ua,
        "userIdentity": {"type": "AssumedRole", "arn": arn},
    }});
    let alert = Alert::build(&custom_rule("r", "R", Severity::High), &event, &settings());
    let doc: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
    let description = doc["content"]["description"].as_str().unwrap();
    assert!(
        description.contains(&format!("*User agent:* {ua}\n")),
        "{description}"
    );
    assert!(description.contains(arn), "{description}");
}

#[test]
fn one_huge_value_leaves_the_required_chat_lines() {
    let event = with(
        &sample("security-group-open-ssh"),
        "userAgent",
        json!("🚀".repeat(200)),
    );
    let alert = alert_for("security-group-open-ssh", &event);
    let link = alert.console_link().unwrap();
    let doc: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
    let description = doc["content"]["description"].as_str().unwrap();
    let lines: Vec<&str> = description.lines().collect();
    assert!(lines.contains(&"*Severity:* MEDIUM"), "{description}");
    assert!(
        lines.contains(&"*Rule:* security-group-change"),
        "{description}"
    );
    let id = alert.event_id.as_deref().unwrap();
    assert!(
        lines.contains(&format!("*Event id:* {id}").as_str()),
        "{description}"
    );
    assert!(
        lines.contains(&format!("*CloudTrail:* {link}").as_str()),
        "{description}"
    );
    assert!(description.contains("*User agent:* 🚀🚀"), "{description}");
    assert!(description.contains("*Request:* "), "{description}");
    assert!(description.chars().count() <= 2800);

    // Every optional value at its longest: still every required line.
    let mut event = event;
    for path in [
        "errorMessage",
        "userIdentity.arn",
        "userIdentity.sessionContext.sessionIssuer.arn",
        "requestParameters.groupId",
    ] {
        event = with(&event, path, json!("🚀".repeat(700)));
    }
    let alert = alert_for("security-group-open-ssh", &event);
    let doc: Value = serde_json::from_str(&render::chat(&alert)).unwrap();
    let description = doc["content"]["description"].as_str().unwrap();
    assert!(description.chars().count() <= 2800, "{description}");
    assert!(
        description.ends_with(&format!("*CloudTrail:* {link}"))
            || description.contains(&format!("*CloudTrail:* {link}\n")),
        "{description}"
    );
    check_invariants("huge chat", &alert);
}

/// Every code point of the independent oracle (tests/it/support/
/// invisible-oracle.txt) put into every event value an output shows: none
/// may come out raw in the subject, email, SMS, chat, JSON or terminal line.
#[test]
fn every_invisible_code_point_is_kept_out_of_every_output() {
    let all: Vec<char> = invisible_chars().collect();
    assert!(all.len() > 950_000, "{}", all.len());
    // Each value is all invisible, so it cleans to nothing; a character the
    // sanitizer misses is the only thing left and cannot be cut off.
    const PER_FIELD: usize = 4096;
    for chunk in all.chunks(PER_FIELD * 8) {
        let part = |i: usize| -> String {
            chunk
                .chunks(PER_FIELD)
                .nth(i)
                .unwrap_or(&[])
                .iter()
                .collect()
        };
        let alert = Alert {
            rule: RuleInfo {
                id: "invisible".into(),
                title: part(0),
                description: part(1),
                severity: Severity::High,
                runbook: Some(part(2)),
                references: vec![],
                tags: vec![],
            },
            event_id: Some("3f1a2b4c-9d8e-4f70-8a6b-5c4d3e2f1a0b".into()),
            event_name: Some(part(3)),
            event_source: Some("iam.amazonaws.com".into()),
            event_type: None,
            detail_type: None,
            event_time: None,
            account: Some("111122223333".into()),
            account_name: Some(part(4)),
            region: Some("eu-west-1".into()),
            principal: Principal {
                user_name: Some(part(5)),
                ..Principal::default()
            },
            source_ip: None,
            user_agent: Some(part(6)),
            error_code: None,
            error_message: Some(part(7)),
            failed: true,
            request_fields: vec![("Key".into(), part(7))],
            record: json!({"userAgent": part(6)}).into(),
        };
        check_invariants("invisible", &alert);
    }
}

#[test]
fn subject_made_only_of_non_ascii_falls_back_to_rule_id() {
    let event =
        json!({"detail": {"eventName": "ログイン", "userIdentity": {"userName": "ユーザー"}}});
    let cjk = custom_rule("cjk-rule", "規則のタイトル", Severity::Low);
    let alert = Alert::build(&cjk, &event, &settings());
    assert_eq!(render::subject(&alert).as_deref(), Some("[LOW] cjk-rule"));
    assert_eq!(render::sms(&alert), "LOW: cjk-rule");
    let nothing = custom_rule("規則", "規則", Severity::Info);
    let alert = Alert::build(&nothing, &event, &settings());
    assert_eq!(render::subject(&alert).as_deref(), Some("[INFO]"));
    check_invariants("cjk", &alert);
}

/// A sample event with `value` put at `path` (dotted, under `detail`).
fn with(event: &Value, path: &str, value: Value) -> Value {
    let mut event = event.clone();
    let mut node = &mut event["detail"];
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        node = &mut node[*part];
    }
    node[parts[parts.len() - 1]] = value;
    event
}

#[test]
fn huge_values_everywhere_still_fit() {
    let big = "A\n<!channel> \u{202e}".repeat(200 * 1024 / 16);
    let base = sample("security-group-open-ssh");
    let mut event = base.clone();
    for path in [
        "userAgent",
        "errorMessage",
        "errorCode",
        "eventName",
        "sourceIPAddress",
        "userIdentity.userName",
        "userIdentity.arn",
        "requestParameters.groupId",
        "requestParameters.huge",
        "responseElements.huge",
    ] {
        event = with(&event, path, Value::String(big.clone()));
    }
    let alert = alert_for("security-group-open-ssh", &event);
    check_invariants("huge", &alert);
    let default: Value = serde_json::from_str(&render::json(&alert)).unwrap();
    assert_eq!(default["detail_truncated"], true);
    assert_eq!(default["detail"]["eventID"], base["detail"]["eventID"]);
    assert_eq!(default["detail"]["userIdentity"]["type"], "AssumedRole");
    let ua = default["detail"]["userAgent"].as_str().unwrap();
    assert!(ua.contains("[truncated, "), "{}", &ua[ua.len() - 40..]);
}

#[test]
fn many_keys_long_arrays_and_deep_nesting_are_trimmed_with_markers() {
    let base = sample("s3-put-bucket-policy");
    let many: serde_json::Map<String, Value> = (0..20_000)
        .map(|i| {
            (
                format!("key{i}"),
                json!(format!("value {i} {}", "x".repeat(20))),
            )
        })
        .collect();
    let event = with(&base, "requestParameters.many", Value::Object(many));
    let event = with(&event, "responseElements", json!(vec!["item"; 50_000]));
    let alert = alert_for("s3-put-bucket-policy", &event);
    check_invariants("many", &alert);
    let doc: Value = serde_json::from_str(&render::json(&alert)).unwrap();
    assert!(
        doc["detail"]["requestParameters"]["many"]["_truncated_keys"]
            .as_u64()
            .unwrap()
            > 0
    );
    let items = doc["detail"]["responseElements"].as_array().unwrap();
    assert!(
        items
            .last()
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("[truncated: ")
    );
    assert_eq!(
        doc["detail"]["requestParameters"]["bucketName"],
        "customer-exports"
    );

    let deep = alert_for("deep-nesting", &hostile("deep-nesting"));
    let doc: Value = serde_json::from_str(&render::json(&deep)).unwrap();
    assert!(render::json(&deep).contains("[truncated: nested too deep]"));
    assert_eq!(doc["detail"]["requestParameters"]["functionName"], "f");
}

#[test]
fn an_ordinary_record_is_kept_whole() {
    let event = sample("security-group-open-ssh");
    let alert = alert_for("security-group-open-ssh", &event);
    let doc: Value = serde_json::from_str(&render::json(&alert)).unwrap();
    assert_eq!(doc["detail"], event["detail"]);
    assert_eq!(doc["detail_truncated"], false);
    assert_eq!(doc["event_name"], "AuthorizeSecurityGroupIngress");
    assert_eq!(doc["account_name"], "prod");
    assert_eq!(
        doc["request"][1],
        json!({"name": "Rules", "value": "tcp 22 from 0.0.0.0/0, ::/0; tcp 3389 from 0.0.0.0/0"})
    );
}

fn destinations() -> Vec<Destination> {
    let mut all = testing::destinations(testing::ALERTS_TOPIC, testing::SMS_TOPIC);
    all.push(Destination {
        name: "chat".into(),
        topic_arn: "arn:aws:sns:us-east-1:111122223333:chat".into(),
        min_severity: Severity::High,
    });
    all
}

#[test]
fn publish_requests_follow_each_destination_minimum_severity() {
    let root = alert_for("root-console-login", &sample("root-console-login"));
    let names: Vec<String> = Router::new(destinations())
        .publish_requests(&root)
        .into_iter()
        .map(|r| r.destination)
        .collect();
    assert_eq!(names, ["alerts", "sms", "chat"]);

    let denied = alert_for("unauthorized-api-call", &sample("unauthorized-api-call"));
    let requests = Router::new(destinations()).publish_requests(&denied);
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.topic_arn, "arn:aws:sns:us-east-1:111122223333:alerts");
    assert_eq!(r.rule, "unauthorized-api-call");
    // What this destination carries is the reviewed golden rendering.
    let golden = |ext: &str| {
        std::fs::read_to_string(
            crate::support::root()
                .join(format!("tests/golden/fixtures/unauthorized-api-call.{ext}")),
        )
        .unwrap()
    };
    assert_eq!(r.message.email, golden("email"));
    assert_eq!(format!("{}\n", r.message.sms), golden("sms"));
    assert_eq!(
        r.subject.clone().unwrap_or_default() + "\n",
        golden("subject")
    );
    let chat: Value = serde_json::from_str(&r.message.https).unwrap();
    assert_eq!(
        chat,
        serde_json::from_str::<Value>(&golden("chat.json")).unwrap()
    );
    let default: Value = serde_json::from_str(&r.message.default).unwrap();
    assert_eq!(
        default,
        serde_json::from_str::<Value>(&golden("default.json")).unwrap()
    );
    let attrs: Vec<(&str, &str)> = r
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("account", "111122223333"),
            ("event_name", "DescribeInstances"),
            ("region", "ap-southeast-2"),
            ("rule", "unauthorized-api-call"),
            ("severity", "medium"),
        ]
    );
    assert!(
        Router::new(destinations()[1..].to_vec())
            .publish_requests(&denied)
            .is_empty()
    );
}

#[test]
fn attributes_leave_out_empty_values() {
    let alert = alert_for("wrong-types", &hostile("wrong-types"));
    let attrs = render::attributes(&alert);
    assert!(!attrs.contains_key("event_name"));
    assert_eq!(attrs["account"], "111122223333");
    assert!(attrs.values().all(|v| !v.is_empty()));
}

#[test]
fn fallback_carries_only_sanitised_ids() {
    let mut alert = alert_for("line-forgery", &hostile("line-forgery"));
    alert.rule.id = "iam-policy-change\n<!channel>".into();
    alert.account = Some("1111 2222\u{202e}3333".into());
    alert.event_id = Some("abc/../def".into());
    let r = render::fallback_request(&alert, &destinations()[0]);
    let default: Value = serde_json::from_str(&r.message.default).unwrap();
    assert_eq!(default["rule"], "iam-policy-changechannel");
    assert_eq!(default["account"], "111122223333");
    assert_eq!(default["event_id"], "abc..def");
    assert_eq!(default["severity"], "high");
    assert_eq!(
        r.subject.as_deref(),
        Some("[HIGH] Alert from rule iam-policy-changechannel")
    );
    assert!(r.message.sms.len() <= 140);
    let chat: Value = serde_json::from_str(&r.message.https).unwrap();
    assert_eq!(chat["version"], "1.0");
    assert!(!r.message.email.contains("alice"));
    assert_eq!(r.attributes.len(), 2);
}

#[test]
fn text_line_colours_only_the_severity() {
    let alert = alert_for("root-console-login", &sample("root-console-login"));
    assert_eq!(
        render::text_line(&alert, false),
        "CRITICAL root-account-usage ConsoleLogin by root in prod (111122223333) us-east-1 \
         from 203.0.113.7 at 2024-05-01T09:12:44Z [3f1a2b4c-9d8e-4f70-8a6b-5c4d3e2f1a0b]"
    );
    let coloured = render::text_line(&alert, true);
    assert!(coloured.starts_with("\u{1b}[1;31mCRITICAL\u{1b}[0m root-account-usage"));
    let summary: Value = serde_json::from_str(&render::summary_line(&alert)).unwrap();
    assert_eq!(summary["rule"], "root-account-usage");
    assert_eq!(summary["severity"], "critical");
    assert_eq!(summary["event_id"], "3f1a2b4c-9d8e-4f70-8a6b-5c4d3e2f1a0b");
    assert_eq!(summary["principal"], "arn:aws:iam::111122223333:root");
    assert_eq!(summary["error_code"], Value::Null);
}
