//! One invocation: evaluate the event, publish every alert to every
//! destination routing sends it to, and report what happened.
//!
//! Delivery is at least once. When any Publish fails after the SDK's retries,
//! the invocation fails, so Lambda's asynchronous retries and the on-failure
//! destination keep the event; a retry republishes the alerts that did go
//! out, which is the price of never losing one.

use std::sync::Arc;

use futures::future::join_all;
use serde::Serialize;
use serde_json::Value;
use tracing::{debug, error, info, warn};

use crate::alert::Alert;
use crate::engine::Engine;
use crate::event::EventError;
use crate::metrics::InvocationMetrics;
use crate::publish::{PublishError, Publisher};
use crate::render::{PublishRequest, fallback_request, publish_requests};
use crate::routing::{Destination, Router};
use crate::state::{MemoryStore, StateStore};

mod stateful;

use stateful::merge_results;
pub use stateful::scheduled_time;

/// Built once at cold start, used by every invocation. Without a state
/// store every match is published (shadow rules excepted); with one, dedup,
/// thresholds, storm guards and digests apply.
pub struct Handler<P: Publisher, S: StateStore = MemoryStore> {
    engine: Arc<Engine>,
    publisher: P,
    router: Router,
    state: Option<S>,
}

/// One message SNS accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Published {
    pub rule: String,
    pub destination: String,
    pub message_id: String,
    /// True when SNS refused the full message and the minimal one was sent.
    pub fallback: bool,
}

/// What an invocation did; also the function's response payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub event_id: Option<String>,
    /// Rules that fired (one alert each).
    pub alerts: usize,
    pub published: Vec<Published>,
    /// Rules that matched but were silenced by an exclude pattern.
    pub suppressed: Vec<String>,
}

/// One Publish that failed for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishFailure {
    pub rule: String,
    pub destination: String,
    pub event_id: Option<String>,
    pub error: PublishError,
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("cannot evaluate the event: {0}")]
    InvalidEvent(#[from] EventError),
    #[error("{} of {} publish requests failed{}: {}",
        .failures.len(),
        .failures.len() + .published.len(),
        if .published.is_empty() { "" } else { " (the others were published)" },
        .failures.iter().map(|f| format!("rule {} to {}: {}", f.rule, f.destination, f.error)).collect::<Vec<_>>().join("; "))]
    Publish {
        failures: Vec<PublishFailure>,
        published: Vec<Published>,
    },
}

impl HandlerError {
    /// A short error type for the Lambda error response.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::InvalidEvent(_) => "InvalidEvent",
            HandlerError::Publish { .. } => "PublishFailed",
        }
    }
}

impl<P: Publisher> Handler<P> {
    /// A handler routing with `router`'s destinations and the engine's rule
    /// files' routes and storm guards.
    pub fn new(engine: Arc<Engine>, publisher: P, router: impl Into<Router>) -> Handler<P> {
        let router = router.into().with_rules(engine.config());
        Handler {
            engine,
            publisher,
            router,
            state: None,
        }
    }
}

impl<P: Publisher, S: StateStore> Handler<P, S> {
    /// The same handler, keeping windows in `store` (none: no state).
    pub fn with_state<T: StateStore>(self, store: Option<T>) -> Handler<P, T> {
        Handler {
            engine: self.engine,
            publisher: self.publisher,
            router: self.router,
            state: store,
        }
    }

    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    pub fn destinations(&self) -> &[Destination] {
        self.router.destinations()
    }

    /// Handle one event. The function binary uses [`Handler::handle_counted`]
    /// to write the invocation's metrics.
    pub async fn handle(&self, event: Value) -> Result<Outcome, HandlerError> {
        self.handle_counted(&event, &mut InvocationMetrics::default())
            .await
    }

    /// Handle one event, counting what happened into `counts`.
    pub async fn handle_counted(
        &self,
        event: &Value,
        counts: &mut InvocationMetrics,
    ) -> Result<Outcome, HandlerError> {
        // With state, a Scheduled Event (the flush schedule, or the
        // heartbeat) flushes digests; without, it is evaluated like any
        // event, as before.
        if let Some(now) = scheduled_time(event).filter(|_| self.state.is_some()) {
            counts.events_evaluated += 1;
            return self.flush(now, counts).await;
        }
        let evaluation = match self.engine.evaluate_value(event) {
            Ok(e) => e,
            Err(e) => {
                error!(error = %e, "cannot evaluate the event");
                return Err(e.into());
            }
        };
        counts.events_evaluated += 1;
        for s in &evaluation.suppressed {
            *counts
                .alerts_suppressed
                .entry(s.rule_id.clone())
                .or_default() += 1;
        }
        let suppressed: Vec<String> = evaluation
            .suppressed
            .iter()
            .map(|s| s.rule_id.clone())
            .collect();
        let event_id = Alert::event_id_of(event);
        if evaluation.alerts.is_empty() {
            debug!(
                event_id = event_id.as_deref().unwrap_or("-"),
                suppressed = suppressed.len(),
                "no alert for this event"
            );
            return Ok(Outcome {
                event_id,
                alerts: 0,
                published: Vec::new(),
                suppressed,
            });
        }
        let alerts = evaluation.alerts.len();
        let (to_send, thresholds) = self.deliveries(evaluation.alerts, counts).await;
        let mut published = self.publish_alerts(&to_send, counts).await;
        if !thresholds.is_empty() {
            let more = self.publish_thresholds(&thresholds, counts).await;
            published = merge_results(published, more);
        }
        Ok(Outcome {
            event_id,
            alerts,
            published: published?,
            suppressed,
        })
    }

    /// Publish every alert to every destination routing sends it to, all at
    /// once. Fails when any Publish failed, listing each; the rest were
    /// still published.
    pub async fn publish_alerts(
        &self,
        alerts: &[Alert],
        counts: &mut InvocationMetrics,
    ) -> Result<Vec<Published>, HandlerError> {
        let mut jobs = Vec::new();
        for (index, alert) in alerts.iter().enumerate() {
            let destinations = self.router.route(alert);
            if destinations.is_empty() {
                debug!(
                    rule = %alert.rule.id,
                    severity = %alert.rule.severity,
                    "alert below every destination's minimum severity"
                );
            }
            let requests = self
                .admit(
                    alert,
                    publish_requests(alert, destinations.iter().copied()),
                    counts,
                )
                .await;
            jobs.extend(
                destinations
                    .into_iter()
                    .zip(requests)
                    .filter_map(|(destination, request)| Some((index, destination, request?))),
            );
        }

        let results = join_all(jobs.iter().map(|(index, destination, request)| {
            self.publish_one(&alerts[*index], destination, request)
        }))
        .await;

        let mut published = Vec::new();
        let mut failures = Vec::new();
        let mut failed_alerts = vec![false; alerts.len()];
        let mut sent_alerts = vec![false; alerts.len()];
        for ((index, _, request), result) in jobs.iter().zip(results) {
            match result {
                Ok(p) => {
                    sent_alerts[*index] = true;
                    published.push(p);
                }
                Err(error) => {
                    failed_alerts[*index] = true;
                    *counts
                        .publish_failures
                        .entry(request.destination.clone())
                        .or_default() += 1;
                    failures.push(PublishFailure {
                        rule: request.rule.clone(),
                        destination: request.destination.clone(),
                        event_id: alerts[*index].event_id.clone(),
                        error,
                    });
                }
            }
        }
        for (index, alert) in alerts.iter().enumerate() {
            if sent_alerts[index] && !failed_alerts[index] {
                *counts
                    .alerts_published
                    .entry((alert.rule.id.clone(), alert.rule.severity))
                    .or_default() += 1;
            }
        }
        if failures.is_empty() {
            Ok(published)
        } else {
            Err(HandlerError::Publish {
                failures,
                published,
            })
        }
    }

    /// Publish one request; if SNS refuses it as invalid, publish the minimal
    /// fallback message instead so the alert is not lost.
    async fn publish_one(
        &self,
        alert: &Alert,
        destination: &Destination,
        request: &PublishRequest,
    ) -> Result<Published, PublishError> {
        let event_id = alert.event_id.as_deref().unwrap_or("-");
        let (result, fallback) = match self.publisher.publish(request).await {
            Err(e) if e.is_invalid_message() => {
                warn!(
                    rule = %request.rule,
                    event_id,
                    destination = %request.destination,
                    error = %e,
                    "SNS refused the alert message; publishing the minimal fallback message"
                );
                let fallback = fallback_request(alert, destination);
                (self.publisher.publish(&fallback).await, true)
            }
            other => (other, false),
        };
        match result {
            Ok(message_id) => {
                info!(
                    rule = %request.rule,
                    severity = %alert.rule.severity,
                    event_id,
                    destination = %request.destination,
                    message_id = %message_id,
                    fallback,
                    "alert published"
                );
                Ok(Published {
                    rule: request.rule.clone(),
                    destination: request.destination.clone(),
                    message_id,
                    fallback,
                })
            }
            Err(e) => {
                error!(
                    rule = %request.rule,
                    event_id,
                    destination = %request.destination,
                    topic_arn = %request.topic_arn,
                    fallback,
                    error = %e,
                    "publish failed"
                );
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::RecordingPublisher;
    use crate::rules::RuleConfig;
    use crate::severity::Severity;
    use crate::testing::alert;

    fn destinations() -> Vec<Destination> {
        crate::testing::destinations(crate::testing::ALERTS_TOPIC, crate::testing::SMS_TOPIC)
    }

    fn handler(publisher: RecordingPublisher) -> Handler<RecordingPublisher> {
        let engine = Engine::from_config(RuleConfig::default()).unwrap();
        Handler::new(Arc::new(engine), publisher, destinations())
    }

    fn sent_to(published: &[Published]) -> Vec<(String, String)> {
        let mut v: Vec<_> = published
            .iter()
            .map(|p| (p.rule.clone(), p.destination.clone()))
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn critical_alerts_reach_the_sms_topic_and_medium_ones_do_not() {
        let h = handler(RecordingPublisher::new());
        let mut counts = InvocationMetrics::default();
        let published = h
            .publish_alerts(
                &[
                    alert("root", Severity::Critical),
                    alert("user", Severity::Medium),
                ],
                &mut counts,
            )
            .await
            .unwrap();
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            sent_to(&published),
            pairs(&[("root", "alerts"), ("root", "sms"), ("user", "alerts")])
        );
        let topics: Vec<String> = h
            .publisher()
            .published()
            .iter()
            .filter(|r| r.rule == "root")
            .map(|r| r.topic_arn.clone())
            .collect();
        assert!(topics.contains(&"arn:aws:sns:us-east-1:111122223333:sms".to_string()));
        assert!(published.iter().all(|p| !p.fallback));
        assert_eq!(counts.alerts_published.len(), 2);
        assert!(counts.publish_failures.is_empty());
    }

    #[tokio::test]
    async fn a_failed_publish_fails_the_invocation_and_names_what_failed() {
        let h = handler(RecordingPublisher::with_responder(|req, _| {
            if req.destination == "sms" {
                Err(PublishError::Unreachable {
                    topic_arn: req.topic_arn.clone(),
                    detail: "connection refused".into(),
                })
            } else {
                Ok(())
            }
        }));
        let mut counts = InvocationMetrics::default();
        let err = h
            .publish_alerts(
                &[
                    alert("root", Severity::Critical),
                    alert("user", Severity::Medium),
                ],
                &mut counts,
            )
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "PublishFailed");
        let text = err.to_string();
        assert!(
            text.starts_with("1 of 3 publish requests failed (the others were published): rule root to sms: could not reach SNS"),
            "{text}"
        );
        let HandlerError::Publish {
            failures,
            published,
        } = err
        else {
            panic!("wrong error")
        };
        assert_eq!(failures[0].event_id.as_deref(), Some("evt-root"));
        assert_eq!(published.len(), 2, "the other requests still went out");
        assert_eq!(h.publisher().published().len(), 2);
        assert_eq!(counts.publish_failures.get("sms"), Some(&1));
        // Only the fully delivered alert counts as published.
        assert_eq!(
            counts.alerts_published.keys().cloned().collect::<Vec<_>>(),
            vec![("user".to_string(), Severity::Medium)]
        );
    }

    #[tokio::test]
    async fn a_message_sns_refuses_as_invalid_is_replaced_by_the_fallback() {
        let h = handler(RecordingPublisher::with_responder(|req, call| {
            if call == 0 {
                Err(PublishError::InvalidMessage {
                    topic_arn: req.topic_arn.clone(),
                    code: "InvalidParameter".into(),
                    message: "Invalid parameter: Message".into(),
                })
            } else {
                Ok(())
            }
        }));
        let mut counts = InvocationMetrics::default();
        let published = h
            .publish_alerts(&[alert("user", Severity::Medium)], &mut counts)
            .await
            .unwrap();
        assert_eq!(published.len(), 1);
        assert!(published[0].fallback);
        assert_eq!(h.publisher().calls(), 2);
        let a = alert("user", Severity::Medium);
        assert_eq!(
            h.publisher().published(),
            vec![fallback_request(&a, &destinations()[0])]
        );
        assert_eq!(counts.alerts_published.len(), 1);
    }

    #[tokio::test]
    async fn a_refused_fallback_is_an_error_not_a_loop() {
        let h = handler(RecordingPublisher::with_responder(|req, _| {
            Err(PublishError::InvalidMessage {
                topic_arn: req.topic_arn.clone(),
                code: "InvalidParameter".into(),
                message: "no".into(),
            })
        }));
        let mut counts = InvocationMetrics::default();
        let err = h
            .publish_alerts(&[alert("user", Severity::Low)], &mut counts)
            .await
            .unwrap_err();
        assert_eq!(h.publisher().calls(), 2);
        assert!(err.to_string().contains("rule user to alerts"), "{err}");
    }

    #[test]
    fn event_ids_come_from_envelopes_and_bare_records() {
        let id = |v: Value| Alert::event_id_of(&v);
        assert_eq!(
            id(serde_json::json!({"detail": {"eventID": "a"}})).as_deref(),
            Some("a")
        );
        assert_eq!(
            id(serde_json::json!({"eventID": "b"})).as_deref(),
            Some("b")
        );
        assert_eq!(id(serde_json::json!([1])), None);
    }

    /// The outcome names the event by the same id as its alerts, including
    /// an envelope whose record has no `eventID`.
    #[tokio::test]
    async fn the_outcome_carries_the_id_its_alerts_carry() {
        let mut rule = crate::testing::rule("any-iam", serde_json::json!({"source": ["aws.iam"]}));
        rule.title = "IAM".into();
        let engine = Engine::from_config(RuleConfig {
            rules: vec![rule],
            ..RuleConfig::default()
        })
        .unwrap();
        let h = Handler::new(Arc::new(engine), RecordingPublisher::new(), destinations());
        for (event, id) in [
            (
                serde_json::json!({"id": "envelope-id", "source": "aws.iam",
                    "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": "CreateUser"}}),
                "envelope-id",
            ),
            (
                serde_json::json!({"id": "envelope-id", "source": "aws.iam",
                    "detail-type": "AWS API Call via CloudTrail",
                    "detail": {"eventName": "CreateUser", "eventID": "record-id"}}),
                "record-id",
            ),
            (
                serde_json::json!({"eventVersion": "1.08", "eventSource": "iam.amazonaws.com",
                    "eventName": "CreateUser", "eventID": "bare-id"}),
                "bare-id",
            ),
        ] {
            let alerts = h.engine.evaluate_value(&event).unwrap().alerts;
            assert_eq!(alerts.len(), 1, "{event}");
            assert_eq!(alerts[0].event_id.as_deref(), Some(id));
            let outcome = h.handle(event).await.unwrap();
            assert_eq!(outcome.event_id.as_deref(), Some(id));
        }
    }
}
