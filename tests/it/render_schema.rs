//! The default JSON message against the schema table in docs/alerts.md:
//! every documented field present with its documented type, no field the
//! table does not list. Renaming a field means editing the table (and
//! raising `schema_version`) in the same change.

use std::collections::BTreeMap;

use crate::support::render::{
    alert_for, example_engine, hostile_events, project_events, root, sample_events,
};
use cloudtrail_alerts::render;
use serde_json::Value;

/// `field -> type` from the "Default JSON document" table, plus the
/// documented `schema_version` value.
fn documented() -> (BTreeMap<String, String>, Value) {
    let doc = std::fs::read_to_string(root().join("docs/alerts.md")).unwrap();
    let section = doc
        .split("\n## Default JSON document\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/alerts.md has a \"Default JSON document\" section");
    let mut fields = BTreeMap::new();
    let mut version = Value::Null;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_string();
        if name == "schema_version" {
            version = serde_json::from_str(cells[3].trim_matches('`')).unwrap();
        }
        assert!(
            fields.insert(name.clone(), cells[2].to_string()).is_none(),
            "{name} documented twice"
        );
    }
    assert!(fields.len() > 20, "schema table not found: {fields:?}");
    (fields, version)
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "string or null" => value.is_string() || value.is_null(),
        "boolean" => value.is_boolean(),
        "boolean or null" => value.is_boolean() || value.is_null(),
        "integer" => value.is_u64(),
        "object" => value.is_object(),
        "array of strings" => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string)),
        "array of objects" => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_object)),
        "any" => true,
        other => panic!("docs/alerts.md uses an unknown type {other:?}"),
    }
}

/// Where `message` departs from the documented schema, one line each.
fn departures(message: &Value, schema: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut check_object = |prefix: &str, object: &Value| {
        let Some(map) = object.as_object() else {
            out.push(format!("{prefix} is not an object"));
            return;
        };
        let documented: BTreeMap<&str, &str> = schema
            .iter()
            .filter_map(|(name, ty)| {
                let rest = name.strip_prefix(prefix)?;
                (!rest.contains('.')).then_some((rest, ty.as_str()))
            })
            .collect();
        for (name, ty) in &documented {
            match map.get(*name) {
                None => out.push(format!("{prefix}{name} missing")),
                Some(v) if !has_type(v, ty) => {
                    out.push(format!("{prefix}{name} is {v}, documented as {ty}"))
                }
                Some(_) => {}
            }
        }
        for name in map.keys() {
            if !documented.contains_key(name.as_str()) {
                out.push(format!("{prefix}{name} is not documented"));
            }
        }
    };
    check_object("", message);
    check_object("identity.", &message["identity"]);
    for item in message["request"].as_array().into_iter().flatten() {
        check_object("request[].", item);
    }
    out
}

/// The default message of every sample, fixture and hostile event.
fn messages() -> Vec<(String, Value)> {
    let engine = example_engine();
    let mut out = Vec::new();
    for (name, event) in project_events() {
        let records = match event.get("Records").and_then(Value::as_array) {
            Some(r) => r.clone(),
            None => vec![event],
        };
        for record in records {
            for alert in engine.evaluate_value(&record).unwrap().alerts {
                out.push((name.clone(), alert));
            }
        }
    }
    for (name, event) in sample_events().into_iter().chain(hostile_events()) {
        out.push((name.clone(), alert_for(&name, &event)));
    }
    out.into_iter()
        .map(|(name, alert)| (name, serde_json::from_str(&render::json(&alert)).unwrap()))
        .collect()
}

#[test]
fn default_json_messages_follow_the_documented_schema() {
    let (schema, version) = documented();
    assert_eq!(version, Value::from(1), "documented schema_version");
    let messages = messages();
    assert!(messages.len() > 30, "{} messages", messages.len());
    let mut failures = Vec::new();
    let mut request_items = 0;
    for (name, message) in &messages {
        for d in departures(message, &schema) {
            failures.push(format!("{name}: {d}"));
        }
        if message["schema_version"] != version {
            failures.push(format!(
                "{name}: schema_version {}",
                message["schema_version"]
            ));
        }
        request_items += message["request"].as_array().map_or(0, Vec::len);
    }
    // The nested request fields are checked on real items, not vacuously.
    assert!(request_items > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn schema_check_catches_a_renamed_missing_or_retyped_field() {
    let (schema, _) = documented();
    let (_, message) = messages().swap_remove(0);
    assert!(departures(&message, &schema).is_empty());

    let mut renamed = message.clone();
    let rule = renamed.as_object_mut().unwrap().remove("rule").unwrap();
    renamed
        .as_object_mut()
        .unwrap()
        .insert("rule_id".into(), rule);
    assert_eq!(
        departures(&renamed, &schema),
        vec!["rule missing", "rule_id is not documented"]
    );

    let mut retyped = message.clone();
    retyped["identity"]["mfa"] = Value::from("yes");
    assert_eq!(
        departures(&retyped, &schema),
        vec![r#"identity.mfa is "yes", documented as boolean or null"#]
    );
}
