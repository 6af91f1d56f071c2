//! Arbitrary text as an event pattern (and, after a NUL byte, as the event):
//! parsing, validation and matching must never panic.
#![no_main]

use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::pattern::{Pattern, test_event_pattern};
use libfuzzer_sys::fuzz_target;

const EVENT: &str = r#"{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333","time":"2025-03-11T10:15:42Z","region":"eu-west-1","resources":[],"detail":{"eventName":"CreateVpc","sourceIPAddress":"10.0.0.7","n":[300,-0.5,null,true,"x"],"userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"}}}"#;

fuzz_target!(|text: &str| {
    let (pattern, event) = text.split_once('\0').unwrap_or((text, EVENT));
    let _ = test_event_pattern(pattern, event);
    let mut paths = PathSet::new();
    if let Ok(compiled) = Pattern::parse(pattern, &mut paths)
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(EVENT)
        && let Ok(view) = EventView::from_value(&value, &paths)
    {
        let _ = compiled.matches(&view);
    }
});
