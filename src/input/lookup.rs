//! Documents that are not events themselves: the output of
//! `aws cloudtrail lookup-events` (`{"Events": [{"CloudTrailEvent": "<record
//! as a JSON string>", …}], "NextToken": …}`, one object a page) and anything
//! else that is neither an EventBridge envelope nor a CloudTrail record (a
//! digest file, `{"foo": 1}`), which must be reported, not matched silently.
//!
//! Only documents the splitter took for envelopes need this: log files and
//! bare records never come here.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

/// What a document the splitter took for an envelope really is.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    /// An EventBridge envelope (`source`, `detail-type` or `detail`).
    Event,
    /// One page of `lookup-events` output: each entry's `CloudTrailEvent`
    /// string, or why the entry has none.
    LookupPage(Vec<Result<String, String>>),
    /// Not an event; its top-level keys, sorted (at most a few).
    NotAnEvent { keys: Vec<String> },
}

/// How many top-level keys a "not an event" report names.
const KEYS_SHOWN: usize = 5;

#[derive(Deserialize)]
struct LookupEntry {
    #[serde(rename = "CloudTrailEvent")]
    cloudtrail_event: Option<String>,
}

/// Tell an envelope from a lookup-events page from anything else.
/// `bytes` is one JSON object as the splitter checked it; anything unparsable
/// is left to the evaluator to report, as `Event`.
pub fn classify(bytes: &[u8]) -> Kind {
    let Ok(top) = serde_json::from_slice::<BTreeMap<String, &RawValue>>(super::strip_bom(bytes))
    else {
        return Kind::Event;
    };
    if ["source", "detail-type", "detail"]
        .iter()
        .any(|k| top.contains_key(*k))
    {
        return Kind::Event;
    }
    if let Some(events) = top.get("Events")
        && let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(events.get())
    {
        let page = entries
            .into_iter()
            .map(|raw| match serde_json::from_str::<LookupEntry>(raw.get()) {
                Ok(LookupEntry {
                    cloudtrail_event: Some(record),
                }) => Ok(record),
                Ok(_) => Err("lookup-events entry without a CloudTrailEvent string".into()),
                Err(e) => Err(format!("lookup-events entry is not an event: {e}")),
            })
            .collect();
        return Kind::LookupPage(page);
    }
    Kind::NotAnEvent {
        keys: top.keys().take(KEYS_SHOWN).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_pages_and_other_objects_are_told_apart() {
        assert_eq!(
            classify(br#"{"source":"aws.iam","detail":{}}"#),
            Kind::Event
        );
        assert_eq!(
            classify(br#"{"Events":[{"CloudTrailEvent":"{\"eventName\":\"X\"}"},{"EventId":"1"}],"NextToken":"t"}"#),
            Kind::LookupPage(vec![
                Ok(r#"{"eventName":"X"}"#.to_string()),
                Err("lookup-events entry without a CloudTrailEvent string".to_string())
            ])
        );
        assert_eq!(
            classify(br#"{"foo":1}"#),
            Kind::NotAnEvent {
                keys: vec!["foo".to_string()]
            }
        );
    }
}
