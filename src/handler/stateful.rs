//! The handler's state-aware steps: what each match becomes (sent,
//! deduplicated, below threshold, shadow), storm guards per destination, and
//! the scheduled flush that sends digests.
//!
//! A store that fails never costs an alert: the match is sent as if there
//! were no state, logged, and counted in `StateStoreErrors`.

use std::collections::BTreeMap;

use futures::future::join_all;
use serde_json::Value;
use tracing::{error, info, warn};

use super::{Handler, HandlerError, Outcome, PublishFailure, Published};
use crate::alert::Alert;
use crate::decide::{Delivery, Digest, Mode, Policy};
use crate::metrics::InvocationMetrics;
use crate::publish::Publisher;
use crate::render::{PublishRequest, digest};
use crate::state::{StateStore, StoreError, gate};

/// The event time of an EventBridge Scheduled Event (`source: aws.events`,
/// `detail-type: Scheduled Event`), in seconds; `None` for any other event.
pub fn scheduled_time(event: &Value) -> Option<i64> {
    let is_schedule = event.get("source").and_then(Value::as_str) == Some("aws.events")
        && event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event");
    if !is_schedule {
        return None;
    }
    let parsed: aws_lambda_events::event::cloudwatch_events::CloudWatchEvent =
        serde_json::from_value(event.clone()).ok()?;
    Some(parsed.time.timestamp())
}

fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_default() += 1;
}

fn store_failed(counts: &mut InvocationMetrics, e: &StoreError, what: &str) {
    counts.state_store_errors += 1;
    error!(error = %e, "state store failed; {what}");
}

type Publishes = Result<Vec<Published>, HandlerError>;

/// Both results' publishes; an error lists every failure.
pub(super) fn merge_results(a: Publishes, b: Publishes) -> Publishes {
    let split = |r: Publishes| match r {
        Ok(p) => Ok((p, Vec::new())),
        Err(HandlerError::Publish {
            failures,
            published,
        }) => Ok((published, failures)),
        Err(other) => Err(other),
    };
    let (mut published, mut failures) = split(a)?;
    let (p2, f2) = split(b)?;
    published.extend(p2);
    failures.extend(f2);
    if failures.is_empty() {
        Ok(published)
    } else {
        Err(HandlerError::Publish {
            failures,
            published,
        })
    }
}

impl<P: Publisher, S: StateStore> Handler<P, S> {
    fn policy(&self, rule_id: &str) -> Policy {
        self.engine
            .config()
            .rules
            .iter()
            .find(|r| r.id == rule_id)
            .map(|r| r.delivery.clone())
            .unwrap_or_default()
    }

    /// Decide each alert: those to publish as they are, and those that
    /// reached a threshold (published as the threshold message).
    pub(super) async fn deliveries(
        &self,
        alerts: Vec<Alert>,
        counts: &mut InvocationMetrics,
    ) -> (Vec<Alert>, Vec<(Alert, Digest)>) {
        let mut plain = Vec::new();
        let mut thresholds = Vec::new();
        for alert in alerts {
            let policy = self.policy(&alert.rule.id);
            let recorded = match &self.state {
                Some(store) => gate::record(store, &policy, &alert).await,
                None => gate::Recorded {
                    delivery: if policy.mode == Mode::Shadow {
                        Delivery::Shadow
                    } else {
                        Delivery::Sent
                    },
                    threshold: None,
                    store_error: None,
                },
            };
            if let Some(e) = &recorded.store_error {
                store_failed(counts, e, "sending the alert as if there were no state");
            }
            let rule = alert.rule.id.clone();
            let event_id = alert.event_id.clone().unwrap_or_else(|| "-".into());
            match (recorded.delivery, recorded.threshold) {
                (Delivery::Sent, Some(t)) => {
                    count(&mut counts.thresholds_reached, &rule);
                    count(&mut counts.alerts_sent, &rule);
                    info!(rule, event_id, count = t.tally.count, "threshold reached");
                    thresholds.push((alert, t));
                }
                (Delivery::Sent, None) => {
                    count(&mut counts.alerts_sent, &rule);
                    plain.push(alert);
                }
                (Delivery::Shadow, _) => {
                    count(&mut counts.shadow_matches, &rule);
                    info!(rule, event_id, "shadow rule matched; not published");
                }
                (d, _) => {
                    if d == Delivery::Deduplicated {
                        count(&mut counts.alerts_deduplicated, &rule);
                    }
                    info!(
                        rule,
                        event_id,
                        delivery = d.as_str(),
                        "match recorded in its window"
                    );
                }
            }
        }
        (plain, thresholds)
    }

    /// The requests of `alert`, each kept (`Some`) or held by its
    /// destination's storm guard (`None`), in the same order; with a dedup
    /// window, threaded under it in chat.
    pub(super) async fn admit(
        &self,
        alert: &Alert,
        requests: Vec<PublishRequest>,
        counts: &mut InvocationMetrics,
    ) -> Vec<Option<PublishRequest>> {
        let Some(store) = &self.state else {
            return requests.into_iter().map(Some).collect();
        };
        let mut requests = requests;
        if let Some(grouping) = self.policy(&alert.rule.id).grouping {
            let key = crate::decide::key_for(alert, &grouping);
            for request in &mut requests {
                digest::thread_request(request, &key);
            }
        }
        let mut out = Vec::new();
        for request in requests {
            let Some(guard) = self.router.guard(&request.destination) else {
                out.push(Some(request));
                continue;
            };
            let (pass, failed) = gate::admit(store, guard, &request.destination, alert).await;
            if let Some(e) = &failed {
                store_failed(counts, e, "publishing past the storm guard");
            }
            if pass {
                out.push(Some(request));
            } else {
                count(&mut counts.alerts_held, &request.destination);
                info!(rule = %alert.rule.id, destination = %request.destination, "storm guard held the alert for its digest");
                out.push(None);
            }
        }
        out
    }

    /// Publish threshold messages wherever the router sends the rule's
    /// alerts (and their guards let through).
    pub(super) async fn publish_thresholds(
        &self,
        thresholds: &[(Alert, Digest)],
        counts: &mut InvocationMetrics,
    ) -> Publishes {
        let mut requests = Vec::new();
        for (alert, t) in thresholds {
            let wanted = self.router.digest_requests(t);
            requests.extend(
                self.admit(alert, wanted, counts)
                    .await
                    .into_iter()
                    .flatten(),
            );
        }
        self.publish_all(&requests, counts, false).await
    }

    async fn publish_all(
        &self,
        requests: &[PublishRequest],
        counts: &mut InvocationMetrics,
        digests: bool,
    ) -> Publishes {
        let results = join_all(requests.iter().map(|r| self.publisher.publish(r))).await;
        let mut published = Vec::new();
        let mut failures = Vec::new();
        for (request, result) in requests.iter().zip(results) {
            match result {
                Ok(message_id) => {
                    if digests {
                        count(&mut counts.digests_sent, &request.rule);
                    }
                    info!(rule = %request.rule, destination = %request.destination, message_id = %message_id, digest = digests, "published");
                    published.push(Published {
                        rule: request.rule.clone(),
                        destination: request.destination.clone(),
                        message_id,
                        fallback: false,
                    });
                }
                Err(error) => {
                    count(&mut counts.publish_failures, &request.destination);
                    error!(rule = %request.rule, destination = %request.destination, error = %error, "publish failed");
                    failures.push(PublishFailure {
                        rule: request.rule.clone(),
                        destination: request.destination.clone(),
                        event_id: None,
                        error,
                    });
                }
            }
        }
        merge_results(
            Ok(published),
            if failures.is_empty() {
                Ok(Vec::new())
            } else {
                Err(HandlerError::Publish {
                    failures,
                    published: Vec::new(),
                })
            },
        )
    }

    /// Send every digest owed at `now` (the Scheduled Event's time). A
    /// digest whose publish fails stays in the store for the next flush.
    pub(super) async fn flush(
        &self,
        now: i64,
        counts: &mut InvocationMetrics,
    ) -> Result<Outcome, HandlerError> {
        let outcome = |published| Outcome {
            event_id: None,
            alerts: 0,
            published,
            suppressed: Vec::new(),
        };
        let Some(store) = &self.state else {
            warn!("no state store is configured; nothing to flush");
            return Ok(outcome(Vec::new()));
        };
        let (claims, errors) = gate::claim_due(store, now).await;
        for e in &errors {
            store_failed(counts, e, "its digests wait for the next flush");
        }
        let mut all: Publishes = Ok(Vec::new());
        for claim in &claims {
            let requests: Vec<PublishRequest> = claim
                .digests
                .iter()
                .flat_map(|d| self.router.digest_requests(d))
                .collect();
            let result = self.publish_all(&requests, counts, true).await;
            if let Err(e) = gate::finish(store, claim, result.is_ok()).await {
                store_failed(counts, &e, "the digest may be sent again by the next flush");
            }
            all = merge_results(all, result);
        }
        Ok(outcome(all?))
    }
}
