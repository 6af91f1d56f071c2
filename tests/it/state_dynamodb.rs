//! The DynamoDB window store against a real local DynamoDB (moto's server):
//! conditional writes, the TTL attribute, the sparse due index, flushes, and
//! failing open when the store is down.
use crate::support::moto::Moto;
use crate::support::sns::sdk_config;
use crate::support::state_table::new_table;
use cloudtrail_alerts::alert::{Alert, Principal, RuleInfo};
use cloudtrail_alerts::decide::{self, Delivery, Grouping, KeyPaths, Mode, Policy};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::state::dynamodb::{DynamoStore, dynamodb_client};
use cloudtrail_alerts::state::gate::{claim_due, finish, record};
use cloudtrail_alerts::state::{Expect, StateStore, StoreError};
use futures::future::join_all;

async fn store(moto: &Moto) -> (DynamoStore, aws_sdk_dynamodb::Client, String) {
    let client = dynamodb_client(&sdk_config(&moto.endpoint).await);
    let table = new_table(&client).await;
    (DynamoStore::new(client.clone(), &table), client, table)
}

fn alert(n: u32, time: &str) -> Alert {
    Alert {
        rule: RuleInfo {
            id: "security-group-change".into(),
            title: "Security group changed".into(),
            description: String::new(),
            severity: Severity::High,
            runbook: None,
            references: vec![],
            tags: vec![],
        },
        event_id: Some(format!("00000000-0000-0000-0000-{n:012}")),
        event_name: Some("AuthorizeSecurityGroupIngress".into()),
        event_source: Some("ec2.amazonaws.com".into()),
        event_type: Some("AwsApiCall".into()),
        detail_type: Some("AWS API Call via CloudTrail".into()),
        event_time: Some(time.into()),
        account: Some("111122223333".into()),
        account_name: None,
        region: Some("us-east-1".into()),
        principal: Principal {
            kind: Some("IAMUser".into()),
            arn: Some("arn:aws:iam::111122223333:user/bob".into()),
            user_name: Some("bob".into()),
            ..Principal::default()
        },
        source_ip: Some("203.0.113.9".into()),
        user_agent: None,
        error_code: None,
        error_message: None,
        failed: false,
        request_fields: vec![("Group id".into(), format!("sg-{n:08x}"))],
        record: serde_json::json!({"eventName": "AuthorizeSecurityGroupIngress"}).into(),
    }
}

fn dedup(window: i64) -> Policy {
    Policy {
        mode: Mode::Live,
        grouping: Some(Grouping::Dedup {
            window,
            key: KeyPaths::default(),
        }),
    }
}

fn at(t: &str) -> i64 {
    decide::parse_time(t).unwrap()
}

#[tokio::test]
async fn state_store_writes_are_conditional_and_items_carry_ttl_and_the_due_index_keys() {
    let (store, client, table) = store(Moto::shared()).await;
    let p = dedup(600);
    // The first match: a window that owes nothing yet.
    let r = record(&store, &p, &alert(1, "2024-05-01T09:00:00Z")).await;
    assert_eq!((r.delivery, r.store_error), (Delivery::Sent, None));
    let key = decide::key_for(&alert(1, ""), p.grouping.as_ref().unwrap());
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);

    // Writes naming a stale version, or expecting no item, are refused.
    let w = stored.window.clone();
    assert!(matches!(
        store.put(&w, Expect::Absent).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.put(&w, Expect::Version(1)).await, Ok(2));
    assert!(matches!(
        store.put(&w, Expect::Version(1)).await,
        Err(StoreError::Conflict { .. })
    ));

    let raw = |client: aws_sdk_dynamodb::Client, key: String, table: String| async move {
        client
            .get_item()
            .table_name(table)
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key))
            .send()
            .await
            .unwrap()
            .item()
            .cloned()
            .unwrap()
    };
    let item = raw(client.clone(), key.clone(), table.clone()).await;
    let ttl: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    assert!(
        ttl > at("2024-05-08T09:00:00Z"),
        "TTL a week past the window: {ttl}"
    );
    assert!(
        !item.contains_key("due_at"),
        "owes nothing: not in the due index"
    );

    // A repeat: now the window owes a digest at its end.
    let r = record(&store, &p, &alert(2, "2024-05-01T09:01:00Z")).await;
    assert_eq!(r.delivery, Delivery::Deduplicated);
    let item = raw(client, key, table).await;
    assert_eq!(
        item["due_at"].as_n().unwrap(),
        &at("2024-05-01T09:10:00Z").to_string()
    );
}

#[tokio::test]
async fn state_store_windows_expire_into_one_digest_found_through_the_index() {
    let (store, _, _) = store(Moto::shared()).await;
    let p = dedup(600);
    for n in 0..5 {
        record(&store, &p, &alert(n, "2024-05-01T09:00:30Z")).await;
    }
    // Another principal's window owes nothing and is never claimed.
    let mut other = alert(99, "2024-05-01T09:00:00Z");
    other.principal.arn = Some("arn:aws:iam::111122223333:user/eve".into());
    record(&store, &p, &other).await;

    let (early, errors) = claim_due(&store, at("2024-05-01T09:10:29Z")).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert!(early.is_empty(), "the window has not ended");
    let (claims, _) = claim_due(&store, at("2024-05-01T09:10:30Z")).await;
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].digests.len(), 1);
    assert_eq!(claims[0].digests[0].tally.count, 4);
    finish(&store, &claims[0], true).await.unwrap();
    let (after, _) = claim_due(&store, at("2024-05-01T10:00:00Z")).await;
    assert!(after.is_empty(), "a digest is sent once");
}

#[tokio::test]
async fn state_store_concurrent_matches_for_one_key_send_one_alert_and_racing_flushes_one_digest() {
    let (store, _, _) = store(Moto::serial()).await;
    let p = dedup(600);
    let alerts: Vec<Alert> = (0..50).map(|n| alert(n, "2024-05-01T09:00:00Z")).collect();
    let results = join_all(alerts.iter().map(|a| record(&store, &p, a))).await;
    assert!(
        results.iter().all(|r| r.store_error.is_none()),
        "{results:?}"
    );
    let sent = results
        .iter()
        .filter(|r| r.delivery == Delivery::Sent)
        .count();
    assert_eq!(sent, 1);

    let now = at("2024-05-01T09:10:00Z");
    let (a, b) = futures::join!(claim_due(&store, now), claim_due(&store, now));
    let digests: Vec<u64> =
        a.0.iter()
            .chain(&b.0)
            .flat_map(|c| c.digests.iter().map(|d| d.tally.count))
            .collect();
    assert_eq!(digests, vec![49]);
}

#[tokio::test]
async fn state_store_down_fails_open() {
    // Nothing listens on port 9 of loopback.
    let client = dynamodb_client(&sdk_config("http://127.0.0.1:9").await);
    let store = DynamoStore::new(client, "windows");
    let p = dedup(600);
    for n in 0..2 {
        let r = record(&store, &p, &alert(n, "2024-05-01T09:00:00Z")).await;
        assert_eq!(r.delivery, Delivery::Sent, "every match is sent");
        assert!(
            matches!(
                r.store_error,
                Some(StoreError::Unavailable {
                    operation: "GetItem",
                    ..
                })
            ),
            "{:?}",
            r.store_error
        );
    }
    let (claims, errors) = claim_due(&store, at("2024-05-01T10:00:00Z")).await;
    assert!(claims.is_empty());
    assert_eq!(errors.len(), 1);
}
