//! Random, hostile text in every field an attacker (or a rule author) can
//! reach never breaks an output invariant and never panics.

use crate::support::render::{check_invariants, custom_rule, settings};
use cloudtrail_alerts::alert::{Alert, Principal, RuleInfo};
use cloudtrail_alerts::severity::Severity;
use proptest::prelude::*;
use serde_json::{Value, json};

const FRAGMENTS: &[&str] = &[
    "\nSeverity: low",
    "\r\nCloudTrail: https://evil.example/x",
    "\u{2028}Rule: other",
    "xhttps://evil.example",
    "HTTP://evil",
    "<!channel>",
    "<@U123>",
    "@here",
    "[click](http://evil)",
    "\u{1b}[31m",
    "\u{1b}]8;;http://e\u{7}",
    "\u{202e}",
    "\u{200b}\u{feff}",
    "```",
    "**",
    "\\",
    "  ",
];

fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            '\n', '\r', '\t', '\u{0}', '\u{7}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}',
            '\u{9b}', '\u{9d}', '\u{ad}', '\u{200b}', '\u{200d}', '\u{200e}', '\u{202a}',
            '\u{202e}', '\u{2028}', '\u{2029}', '\u{2060}', '\u{2066}', '\u{2069}', '\u{feff}',
            '\u{e0041}', '\u{3000}', '\u{ff1c}', '\u{ff20}', 'é', 'Ł', '日', '🚀', '<', '>', '@',
            '*', '_', '`', '|', '~', '#', '[', ']', '(', ')', '!', '\\', ':', '/',
        ]),
        1 => any::<char>(),
    ]
}

fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::collection::vec(nasty_char(), 0..40)
                .prop_map(|v| v.into_iter().collect::<String>()),
            1 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn opt() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.8, nasty())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        nasty().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(nasty(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

prop_compose! {
    fn principal()(
        kind in opt(), arn in opt(), user_name in opt(), account_id in opt(),
        access_key_id in opt(), role_arn in opt(), session_name in opt(),
        invoked_by in opt(), mfa in any::<Option<bool>>(), principal_id in opt(),
        role_name in opt(),
    ) -> Principal {
        Principal {
            kind, arn, user_name, account_id, access_key_id, role_arn,
            session_name, invoked_by, mfa, principal_id, role_name,
        }
    }
}

prop_compose! {
    fn rule_info()(
        sev in severity(), title in nasty(), description in nasty(), runbook in opt(),
        references in prop::collection::vec(nasty(), 0..3),
    ) -> RuleInfo {
        RuleInfo { id: "random-rule".into(), title, description, severity: sev, runbook, references, tags: vec![] }
    }
}

prop_compose! {
    fn what()(
        event_id in opt(), event_name in opt(), event_source in opt(), event_type in opt(),
        detail_type in opt(), event_time in opt(),
    ) -> [Option<String>; 6] {
        [event_id, event_name, event_source, event_type, detail_type, event_time]
    }
}

prop_compose! {
    fn where_from()(
        account in opt(), account_name in opt(),
        region in prop_oneof![opt(), Just(Some("eu-west-1".to_string()))],
        source_ip in opt(), user_agent in opt(), error_code in opt(), error_message in opt(),
    ) -> [Option<String>; 7] {
        [account, account_name, region, source_ip, user_agent, error_code, error_message]
    }
}

prop_compose! {
    fn alert()(
        rule in rule_info(), what in what(), where_from in where_from(),
        principal in principal(), failed in any::<bool>(),
        request_fields in prop::collection::vec((nasty(), nasty()), 0..9),
        record in json_value(),
    ) -> Alert {
        let [event_id, event_name, event_source, event_type, detail_type, event_time] = what;
        let [account, account_name, region, source_ip, user_agent, error_code, error_message] =
            where_from;
        Alert {
            rule, event_id, event_name, event_source, event_type, detail_type, event_time, account,
            account_name, region, principal, source_ip, user_agent, error_code, error_message,
            failed, request_fields, record: record.into(),
        }
    }
}

const SOURCES: &[&str] = &[
    "ec2.amazonaws.com",
    "iam.amazonaws.com",
    "kms.amazonaws.com",
    "s3.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "signin.amazonaws.com",
    "organizations.amazonaws.com",
    "config.amazonaws.com",
    "lambda.amazonaws.com",
];
const NAMES: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "CreateNetworkAclEntry",
    "CreateRoute",
    "CreateVpc",
    "AttachInternetGateway",
    "CreateTransitGateway",
    "StopLogging",
    "ScheduleKeyDeletion",
    "PutBucketPolicy",
    "AttachUserPolicy",
    "ConsoleLogin",
    "Invoke",
];

prop_compose! {
    fn envelope()(
        account in json_value(), region in json_value(), id in json_value(),
        source in prop::sample::select(SOURCES), name in prop::sample::select(NAMES),
        kind in prop::sample::select(vec!["Root", "IAMUser", "AssumedRole", "AWSService", "X"]),
        arn in json_value(), user in json_value(), ua in json_value(), ip in json_value(),
        params in json_value(), issuer in json_value(), mfa in json_value(),
        error in json_value(), insight in json_value(),
    ) -> Value {
        json!({
            "account": account, "region": region, "id": id,
            "detail": {
                "eventSource": source, "eventName": name, "eventID": ip.clone(),
                "userAgent": ua, "sourceIPAddress": ip, "errorCode": error.clone(),
                "errorMessage": error,
                "userIdentity": {"type": kind, "arn": arn, "userName": user,
                    "sessionContext": {"sessionIssuer": issuer, "attributes": {"mfaAuthenticated": mfa}}},
                "requestParameters": params,
                "insightDetails": insight,
            }
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_alert_renders_within_every_invariant(alert in alert()) {
        check_invariants("proptest alert", &alert);
    }

    #[test]
    fn any_event_builds_an_alert_that_renders_within_every_invariant(
        event in envelope(), title in nasty(), sev in severity(),
    ) {
        let rule = custom_rule("random-rule", &title, sev);
        let alert = Alert::build(&rule, &event, &settings());
        check_invariants("proptest event", &alert);
    }

    #[test]
    fn any_json_value_as_event_never_panics(event in json_value()) {
        let alert = Alert::build(&custom_rule("r", "R", Severity::Low), &event, &settings());
        check_invariants("proptest value", &alert);
    }
}
