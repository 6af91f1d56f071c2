//! Shared by the render tests: the built-in pack's rules and hand-built ones,
//! the sample and hostile events, and the invariants every rendered alert must
//! keep whatever the event says.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use cloudtrail_alerts::alert::Alert;
use cloudtrail_alerts::render;
use cloudtrail_alerts::rules::{Rule, Settings};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::testing;
use serde_json::Value;

pub use super::{printable_ascii, root};

/// A rule of the built-in pack, as the loader makes it.
pub fn rule(id: &str) -> Rule {
    static PACK: OnceLock<Vec<Rule>> = OnceLock::new();
    PACK.get_or_init(|| {
        cloudtrail_alerts::rules::load_sources(&[], true)
            .unwrap_or_else(|e| panic!("the built-in pack: {e:?}"))
            .rules
    })
    .iter()
    .find(|r| r.id == id)
    .cloned()
    .unwrap_or_else(|| panic!("no rule {id} in the built-in pack"))
}

/// A rule with hand-picked texts, e.g. hostile ones.
pub fn custom_rule(id: &str, title: &str, severity: Severity) -> Rule {
    let mut rule = testing::rule(id, serde_json::json!({"source": ["aws.test"]}));
    rule.title = title.into();
    rule.description = "A custom rule.".into();
    rule.severity = severity;
    rule.origin.file = "custom.yaml".into();
    rule
}

pub fn settings() -> Settings {
    let mut accounts = BTreeMap::new();
    accounts.insert("prod".to_string(), vec!["111122223333".to_string()]);
    accounts.insert("security".to_string(), vec!["444455556666".to_string()]);
    Settings {
        accounts,
        ..Settings::default()
    }
}

/// The rule each sample or hostile event is rendered with.
pub fn rule_for(name: &str) -> Rule {
    let id = match name {
        "root-console-login" | "crafted-link-fields" => "root-account-usage",
        "console-login-failure" => "console-login-failure",
        "security-group-open-ssh" => "security-group-change",
        "cloudtrail-stop-logging" => "cloudtrail-config-change",
        "kms-schedule-key-deletion" => "kms-key-disable-or-deletion",
        "iam-attach-admin-policy" | "line-forgery" => "iam-policy-change",
        "s3-put-bucket-policy" | "ansi-bidi-invisible" | "markdown-mentions" => {
            "s3-bucket-policy-change"
        }
        "unauthorized-api-call" | "wrong-types" => "unauthorized-api-call",
        "cloudtrail-insight" => "cloudtrail-insight",
        "network-acl-allow-all" => "network-acl-change",
        "unicode-everywhere" => return custom_rule("unicode-rule", "登录 🚀 規則", Severity::High),
        _ => return custom_rule("sample-event", "Sample event", Severity::Medium),
    };
    rule(id)
}

/// `(name, event)` for every JSON file in `dir`, sorted by name.
pub fn events_in(dir: &Path) -> Vec<(String, Value)> {
    super::json_files(dir)
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            (name, super::read_json(&path))
        })
        .collect()
}

/// Realistic events of our own, rendered with hand-built rules.
pub fn sample_events() -> Vec<(String, Value)> {
    events_in(&root().join("tests/render_fixtures/events"))
}

/// The project's sample events (`events/`).
pub fn project_events() -> Vec<(String, Value)> {
    events_in(&root().join("events"))
}

/// The engine users get with `--rules rules/example.yaml`: the built-in pack
/// plus the example file's account names, overrides and rule.
pub fn example_engine() -> cloudtrail_alerts::engine::Engine {
    cloudtrail_alerts::engine::Engine::load(&cloudtrail_alerts::rules::LoadOptions {
        files: vec![root().join("rules/example.yaml")],
        builtin: true.into(),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

pub fn hostile_events() -> Vec<(String, Value)> {
    events_in(&root().join("tests/render_fixtures/hostile"))
}

pub fn alert_for(name: &str, event: &Value) -> Alert {
    Alert::build(&rule_for(name), event, &settings())
}

/// The code points no output may carry raw, from `invisible-oracle.txt`:
/// generated from Python's Unicode database (gen_invisible_oracle.py), not
/// from the sanitizer's tables, so a character those forget is caught.
pub fn invisible_ranges() -> &'static [(u32, u32)] {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    RANGES.get_or_init(|| {
        let text =
            std::fs::read_to_string(root().join("tests/it/support/invisible-oracle.txt")).unwrap();
        let ranges: Vec<(u32, u32)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let range = l.split_whitespace().next().unwrap();
                let (a, b) = range.split_once("..").unwrap();
                let hex = |h: &str| u32::from_str_radix(h, 16).unwrap();
                (hex(a), hex(b))
            })
            .collect();
        assert!(
            ranges.windows(2).all(|w| w[0].1 < w[1].0),
            "oracle not sorted"
        );
        ranges
    })
}

/// True for a code point of the oracle.
pub fn is_invisible(c: char) -> bool {
    let c = u32::from(c);
    let ranges = invisible_ranges();
    let i = ranges.partition_point(|&(_, last)| last < c);
    ranges.get(i).is_some_and(|&(first, _)| first <= c)
}

/// Every scalar value of the oracle (surrogates are not in it).
pub fn invisible_chars() -> impl Iterator<Item = char> {
    invisible_ranges()
        .iter()
        .flat_map(|&(a, b)| (a..=b).filter_map(char::from_u32))
}

/// Names a mail, chat or phone client would turn into a link without a
/// scheme: a run of letters, digits, `-` and `.` with two or more labels
/// whose last is 2 to 18 letters (the longest top-level domain has 18) or
/// `xn--…`, or starting `www.`.
/// An AWS service principal (`name[.region].amazonaws.com`) with no path,
/// port or address after it is allowed: it names an AWS endpoint.
pub fn linkable_hosts(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let host = |c: char| c.is_alphanumeric() || c == '-' || c == '.';
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !host(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && host(chars[i]) {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let token = token.trim_matches('.');
        let labels: Vec<&str> = token.split('.').collect();
        let last = labels[labels.len() - 1];
        let tld = ((2..=18).contains(&last.chars().count())
            && last.chars().all(char::is_alphabetic))
            || last.to_ascii_lowercase().starts_with("xn--");
        let www = token.to_ascii_lowercase().starts_with("www.");
        if labels.len() < 2 || labels[0].is_empty() || !(tld || www) {
            continue;
        }
        let next = chars.get(i).copied();
        let followed = matches!(next, Some('/' | ':' | '?' | '#' | '@' | '\\' | '\u{FF20}'));
        let service = token.strip_suffix(".amazonaws.com").is_some_and(|head| {
            let parts: Vec<&str> = head.split('.').collect();
            parts.len() <= 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                })
        });
        if !service || followed {
            found.push(token.to_string());
        }
    }
    found
}

/// Labels the email writes at column 0, and its headings.
const EMAIL_LABELS: &[&str] = &[
    "Severity:",
    "Rule:",
    "Event:",
    "Result:",
    "Error:",
    "Type:",
    "ARN:",
    "User:",
    "Session:",
    "Role:",
    "Invoked by:",
    "Access key:",
    "Home account:",
    "Principal id:",
    "MFA:",
    "Account:",
    "Region:",
    "Time:",
    "Source IP:",
    "User agent:",
    "CloudTrail:",
    "Event id:",
];
const EMAIL_HEADINGS: &[&str] = &[
    "What happened",
    "Who",
    "Where",
    "Request",
    "About this rule",
    "What to do",
    "Links",
];

/// Strings an attacker put in hostile events that must never reach chat as markup.
const INJECTIONS: &[&str] = &[
    "<!channel>",
    "<!here>",
    "<@U",
    "<#C",
    "@here",
    "@channel",
    "](",
    "<at>",
    "<http",
    "http://evil",
    "https://evil",
];

fn assert_clean(what: &str, s: &str) {
    if let Some((i, c)) = s
        .char_indices()
        .find(|(_, c)| is_invisible(*c) && *c != '\n')
    {
        let before: String = s[..i]
            .chars()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!(
            "{what}: invisible character U+{:04X} after {before:?}",
            c as u32
        );
    }
}

fn assert_no_link(what: &str, s: &str) {
    let hosts = linkable_hosts(s);
    assert!(hosts.is_empty(), "{what}: linkable {hosts:?} in {s:?}");
}

/// Every invariant of every output, for one alert.
pub fn check_invariants(name: &str, alert: &Alert) {
    // Subject: 1-99 printable ASCII characters.
    let subject = render::subject(alert);
    let subject = subject.unwrap_or_else(|| panic!("{name}: no subject"));
    assert!(
        (1..=99).contains(&subject.len()) && printable_ascii(&subject),
        "{name}: bad subject {subject:?}"
    );
    assert!(subject.starts_with('['), "{name}: {subject:?}");

    // SMS: 1-140 printable ASCII characters, severity first.
    let sms = render::sms(alert);
    assert!(
        (1..=140).contains(&sms.len()) && printable_ascii(&sms),
        "{name}: bad sms {sms:?}"
    );
    assert!(
        sms.starts_with(alert.rule.severity.label()),
        "{name}: {sms:?}"
    );
    assert_no_link(&format!("{name} sms"), &sms);

    // Email: only our labels and headings at column 0, one of each identity line.
    let email = render::email(alert);
    assert_clean(&format!("{name} email"), &email);
    assert!(!email.contains('\r'), "{name}: CR in email");
    let mut lines = email.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(alert.rule.severity.label()),
        "{name}: {first:?}"
    );
    for line in lines {
        if line.is_empty() || line.starts_with("  ") {
            continue;
        }
        assert!(
            EMAIL_HEADINGS.contains(&line) || EMAIL_LABELS.iter().any(|l| line.starts_with(l)),
            "{name}: unexpected line at column 0: {line:?}"
        );
    }
    let count = |prefix: &str| email.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("Severity:"), 1, "{name}: email:\n{email}");
    assert_eq!(count("Rule:"), 1, "{name}: email:\n{email}");
    assert!(count("Result:") <= 1 && count("MFA:") <= 1 && count("Account:") <= 1);
    let severity_line = email.lines().find(|l| l.starts_with("Severity:")).unwrap();
    assert!(severity_line.ends_with(alert.rule.severity.label()));
    match alert.console_link() {
        Some(link) => {
            let line = email
                .lines()
                .find(|l| l.starts_with("CloudTrail:"))
                .unwrap();
            assert!(line.ends_with(&link), "{name}: {line:?}");
            assert_eq!(count("CloudTrail:"), 1);
        }
        None => assert_eq!(count("CloudTrail:"), 0, "{name}: forged link:\n{email}"),
    }
    // Links in event values are defanged: the only clickable link is ours.
    // (The rule's own text, under its two headings, may link where it likes.)
    let ours = usize::from(alert.console_link().is_some());
    let mut heading = "";
    let mut links = 0;
    for line in email.lines() {
        if EMAIL_HEADINGS.contains(&line) {
            heading = line;
        } else if heading != "About this rule" && heading != "What to do" {
            links += line.matches("http://").count() + line.matches("https://").count();
            if !line.starts_with("CloudTrail:") {
                assert_no_link(&format!("{name} email"), line);
            }
        }
    }
    assert_eq!(links, ours, "{name}: links in\n{email}");

    // Chat: valid custom notification, no markup or mention from the event.
    let chat = render::chat(alert);
    assert_clean(&format!("{name} chat"), &chat);
    let doc: Value = serde_json::from_str(&chat).unwrap_or_else(|e| panic!("{name}: chat {e}"));
    assert_eq!(doc["version"], "1.0");
    assert_eq!(doc["source"], "custom");
    assert_eq!(doc["content"]["textType"], "client-markdown");
    let title = doc["content"]["title"].as_str().unwrap();
    let description = doc["content"]["description"].as_str().unwrap();
    assert!(!title.is_empty() && title.chars().count() <= 250);
    assert!(description.chars().count() <= 3000);
    let mut shown = vec![title.to_string(), description.to_string()];
    for key in ["nextSteps", "keywords"] {
        if let Some(items) = doc["content"][key].as_array() {
            shown.extend(items.iter().map(|i| i.as_str().unwrap().to_string()));
        }
    }
    shown.push(doc["metadata"]["summary"].as_str().unwrap().to_string());
    for text in &shown {
        assert_clean(&format!("{name} chat text"), text);
        for bad in INJECTIONS {
            assert!(!text.contains(bad), "{name}: {bad:?} in chat text {text:?}");
        }
        assert!(
            !text.contains(['<', '>', '@']),
            "{name}: raw < > @ in chat text {text:?}"
        );
        assert_no_markup(name, text);
        for line in text.lines().filter(|l| !l.starts_with("*CloudTrail:* ")) {
            assert_no_link(&format!("{name} chat"), line);
        }
    }
    let required = description.lines().filter(|l| {
        l.starts_with("*Severity:* ")
            || l.starts_with("*Rule:* ")
            || l.starts_with("*Event id:* ")
            || l.starts_with("*CloudTrail:* ")
    });
    let expected =
        2 + usize::from(alert.event_id.as_deref().is_some_and(|e| {
            e.contains(|c: char| c.is_ascii_alphanumeric())
                && !e.contains(['\u{1b}', '\u{9b}', '\u{9d}'])
        })) + usize::from(alert.console_link().is_some());
    assert!(
        required.count() >= expected,
        "{name}: required chat line missing:\n{description}"
    );

    // Default: valid JSON within 96 KiB with the key facts.
    let default = render::json(alert);
    assert_clean(&format!("{name} default"), &default);
    assert!(
        default.len() <= 96 * 1024,
        "{name}: default {} bytes",
        default.len()
    );
    let doc: Value = serde_json::from_str(&default).unwrap();
    assert_eq!(doc["rule"], alert.rule.id.as_str());
    assert_eq!(doc["severity"], alert.rule.severity.as_str());
    assert!(doc.get("detail").is_some());

    // The whole SNS message (MessageStructure=json) stays under 256 KiB.
    let dest = testing::destinations(testing::ALERTS_TOPIC, testing::SMS_TOPIC).remove(0);
    let requests = render::publish_requests(alert, std::slice::from_ref(&dest));
    assert_eq!(requests.len(), 1);
    let message = serde_json::to_string(&requests[0].message).unwrap();
    assert!(
        message.len() < 256 * 1024,
        "{name}: message {} bytes",
        message.len()
    );
    assert_clean(&format!("{name} message"), &message);
    for (k, v) in &requests[0].attributes {
        assert!(
            !v.is_empty() && printable_ascii(v),
            "{name}: attribute {k}={v:?}"
        );
    }
    let fallback = render::fallback_request(alert, &dest);
    // (`rule` is for logs and metrics, not sent.)
    let fb = serde_json::to_string(&(&fallback.subject, &fallback.message, &fallback.attributes))
        .unwrap();
    assert!(
        printable_ascii(&fb.replace('\n', " ")),
        "{name}: fallback {fb}"
    );

    // CLI outputs.
    let plain = render::text_line(alert, false);
    assert_clean(&format!("{name} text"), &plain);
    assert!(!plain.contains('\n'));
    let colored = render::text_line(alert, true);
    let without_ours = colored.replacen(
        &format!("\u{1b}[{}m", color_code(alert.rule.severity)),
        "",
        1,
    );
    let without_ours = without_ours.replacen("\u{1b}[0m", "", 1);
    assert_clean(&format!("{name} colored text"), &without_ours);
    let summary = render::summary_line(alert);
    assert_clean(&format!("{name} summary"), &summary);
    serde_json::from_str::<Value>(&summary).unwrap();
}

fn color_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// Outside our own `*Label:*` bold at the start of a line, chat text holds
/// nothing Slack or Teams reads as markup: no `*`, `` ` ``, `~`, `<`, `>`,
/// `&`, `@`; `_` only inside a word; no `](` link. (Slack has no backslash
/// escape, so none is expected either.)
fn assert_no_markup(name: &str, text: &str) {
    for line in text.lines() {
        let rest = match line.strip_prefix('*').and_then(|r| r.split_once(":* ")) {
            Some((label, rest)) if label.chars().all(|c| c.is_alphanumeric() || c == ' ') => rest,
            _ => line,
        };
        let chars: Vec<char> = rest.chars().collect();
        let word = |i: Option<usize>| {
            i.and_then(|i| chars.get(i))
                .is_some_and(|c| c.is_alphanumeric())
        };
        for (i, &c) in chars.iter().enumerate() {
            assert!(
                !"*`~<>&@".contains(c),
                "{name}: markup {c:?} in chat text {text:?}"
            );
            if c == '_' {
                assert!(
                    word(i.checked_sub(1)) && word(Some(i + 1)),
                    "{name}: `_` at a word edge in chat text {text:?}"
                );
            }
        }
        assert!(!rest.contains("]("), "{name}: link in chat text {text:?}");
    }
}
