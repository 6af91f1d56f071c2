//! Windows in a DynamoDB table: the function's store.
//!
//! One item per window key: `pk` (the key), `version` (for conditional
//! writes), `body` (the window as JSON), `expires_at` (the table's TTL
//! attribute) and, only while the window owes a digest, `due_shard` and
//! `due_at`. Those two are the keys of the sparse index `due`, so a flush
//! queries the few windows that owe a digest instead of scanning the table;
//! the shards spread a storm's index writes over several partitions.
//!
//! Calls made: GetItem (consistent), PutItem (conditional) on the table and
//! Query on the `due` index; nothing else, so the function's policy can say
//! exactly that.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use super::{Expect, StateStore, StoreError, Stored};
use crate::decide::{Seconds, Window, due_at, expires_at};

/// The sparse index of windows that owe a digest.
pub const DUE_INDEX: &str = "due";
/// Index partitions; a flush queries each.
pub const DUE_SHARDS: u32 = 4;
/// How many times the SDK tries one call (first attempt included).
pub const MAX_ATTEMPTS: u32 = 3;

/// A DynamoDB client with the retry and timeout settings the function relies
/// on: standard retry mode and timeouts well inside an invocation, so a
/// store that is down costs seconds and the alert still goes out.
pub fn dynamodb_client(sdk_config: &aws_config::SdkConfig) -> Client {
    use aws_sdk_dynamodb::config::retry::RetryConfig;
    use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
    let config = aws_sdk_dynamodb::config::Builder::from(sdk_config)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
    }
}

fn shard(key: &str) -> String {
    let sum = key
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("due#{}", sum % DUE_SHARDS)
}

fn unavailable<E, R>(operation: &'static str, key: &str, e: &SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable {
        operation,
        key: key.to_string(),
        detail: DisplayErrorContext(e).to_string(),
    }
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn item(window: &Window, version: u64) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let body = serde_json::to_string(window).map_err(|e| StoreError::Corrupt {
        key: window.key.clone(),
        detail: e.to_string(),
    })?;
    let mut item = HashMap::from([
        ("pk".to_string(), AttributeValue::S(window.key.clone())),
        (
            "version".to_string(),
            AttributeValue::N(version.to_string()),
        ),
        ("body".to_string(), AttributeValue::S(body)),
        ("expires_at".to_string(), n(expires_at(window))),
    ]);
    if let Some(due) = due_at(window) {
        item.insert("due_shard".into(), AttributeValue::S(shard(&window.key)));
        item.insert("due_at".into(), n(due));
    }
    Ok(item)
}

fn read_item(key: &str, item: &HashMap<String, AttributeValue>) -> Result<Stored, StoreError> {
    let corrupt = |detail: &str| StoreError::Corrupt {
        key: key.to_string(),
        detail: detail.to_string(),
    };
    let version = match item.get("version") {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt("bad version"))?,
        _ => return Err(corrupt("no version")),
    };
    let window = match item.get("body") {
        Some(AttributeValue::S(body)) => {
            serde_json::from_str(body).map_err(|e| corrupt(&e.to_string()))?
        }
        _ => return Err(corrupt("no body")),
    };
    Ok(Stored { window, version })
}

impl StateStore for DynamoStore {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", key, &e))?;
        out.item().map(|i| read_item(key, i)).transpose()
    }

    async fn put(&self, window: &Window, expect: Expect) -> Result<u64, StoreError> {
        let key = &window.key;
        let (condition, version) = match expect {
            Expect::Absent => ("attribute_not_exists(pk)", 1),
            Expect::Version(v) => ("version = :expected", v + 1),
        };
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(window, version)?))
            .condition_expression(condition);
        if let Expect::Version(v) = expect {
            request =
                request.expression_attribute_values(":expected", AttributeValue::N(v.to_string()));
        }
        match request.send().await {
            Ok(_) => Ok(version),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict { key: key.clone() })
            }
            Err(e) => Err(unavailable("PutItem", key, &e)),
        }
    }

    async fn due(&self, now: Seconds) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        for s in 0..DUE_SHARDS {
            let shard = format!("due#{s}");
            let mut start = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(DUE_INDEX)
                    .key_condition_expression("due_shard = :shard AND due_at <= :now")
                    .expression_attribute_values(":shard", AttributeValue::S(shard.clone()))
                    .expression_attribute_values(":now", n(now))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| unavailable("Query", DUE_INDEX, &e))?;
                keys.extend(out.items().iter().filter_map(|i| match i.get("pk") {
                    Some(AttributeValue::S(k)) => Some(k.clone()),
                    _ => None,
                }));
                match out.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => break,
                }
            }
        }
        Ok(keys)
    }

    async fn pause(&self, attempt: u32) {
        // Exponential, capped, with jitter from the clock's nanoseconds so
        // racing invocations do not retry in lockstep.
        let base = 5u64.saturating_mul(1 << attempt.min(6)).min(200);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()))
            .unwrap_or(0);
        let jittered = base / 2 + nanos % (base + 1);
        tokio::time::sleep(Duration::from_millis(jittered)).await;
    }
}
