//! What a stream of matches would have delivered: each match through the
//! state layer ([`crate::state::replay::Replay`], the one `evaluate` uses),
//! then routed ([`Router::route`]) and counted against each destination's
//! storm guard, as the function does per invocation. Digests come out where
//! their windows close and at the end.
//!
//! Matches must arrive in event-time order for the result to be what the
//! function sent; [`crate::replay`] sorts them before handing them here.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::alert::Alert;
use crate::config::{ConfigError, ROUTING_VARIABLES, SMS_DESTINATION, routing_from_vars};
use crate::decide::{Delivery, Digest, Policy};
use crate::engine::Engine;
use crate::routing::{Destination, Router};
use crate::state::gate::{self, Recorded};
use crate::state::memory::run_ready;
use crate::state::replay::Replay;

/// What became of one match.
#[derive(Debug)]
pub struct Fate<'a> {
    /// The state layer's decision; `None` when it is off (every match is
    /// routed as it is).
    pub recorded: Option<&'a Recorded>,
    /// Destinations sent the alert, or its threshold message.
    pub sent_to: Vec<String>,
    /// Destinations whose storm guard held it back for their digest.
    pub held_by: Vec<String>,
}

/// Told every decision, in order.
pub trait Sink {
    fn alert(&mut self, alert: &Alert, fate: &Fate<'_>);
    /// A digest message and the destinations it goes to.
    fn digest(&mut self, digest: &Digest, sent_to: &[String]);
}

/// Decides a stream of matches, in memory.
pub struct Deliverer<'a> {
    policies: HashMap<&'a str, &'a Policy>,
    router: &'a Router,
    state: Option<Replay>,
}

impl<'a> Deliverer<'a> {
    /// With `state` false, no dedup, thresholds, shadow mode or storm guards:
    /// every match goes where the router sends it.
    pub fn new(engine: &'a Engine, router: &'a Router, state: bool) -> Deliverer<'a> {
        let mut policies = HashMap::new();
        for rule in &engine.config().rules {
            // The first rule of an id is the one evaluate and the function use.
            policies.entry(rule.id.as_str()).or_insert(&rule.delivery);
        }
        Deliverer {
            policies,
            router,
            state: state.then(Replay::new),
        }
    }

    /// The delivery settings of `rule_id`'s rule.
    pub fn policy(&self, rule_id: &str) -> Option<&'a Policy> {
        self.policies.get(rule_id).copied()
    }

    /// Decide `alert`, after the digests of windows that closed before it.
    pub fn push(&mut self, alert: &Alert, sink: &mut dyn Sink) {
        let Some(replay) = self.state.as_mut() else {
            let sent_to = names(self.router.route(alert));
            sink.alert(
                alert,
                &Fate {
                    recorded: None,
                    sent_to,
                    held_by: Vec::new(),
                },
            );
            return;
        };
        let default = Policy::default();
        let policy = self
            .policies
            .get(alert.rule.id.as_str())
            .copied()
            .unwrap_or(&default);
        let (digests, recorded) = replay.record(policy, alert);
        for d in &digests {
            sink.digest(d, &digest_destinations(self.router, d));
        }
        let mut fate = Fate {
            recorded: Some(&recorded),
            sent_to: Vec::new(),
            held_by: Vec::new(),
        };
        if recorded.delivery == Delivery::Sent {
            // A threshold message is routed as the function publishes it.
            let wanted: Vec<&Destination> = match &recorded.threshold {
                Some(t) => self.router.route_digest(t),
                None => self.router.route(alert),
            };
            for dest in wanted {
                let pass = self.router.guard(&dest.name).is_none_or(|guard| {
                    run_ready(gate::admit(replay.store(), guard, &dest.name, alert))
                        .is_none_or(|(pass, _)| pass)
                });
                if pass {
                    fate.sent_to.push(dest.name.clone());
                } else {
                    fate.held_by.push(dest.name.clone());
                }
            }
        }
        sink.alert(alert, &fate);
    }

    /// The digests still owed: the end of input closes every window.
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        if let Some(replay) = self.state.as_mut() {
            for d in replay.finish() {
                sink.digest(&d, &digest_destinations(self.router, &d));
            }
        }
    }
}

/// Stands in for topic ARNs a count does not need.
const COUNTED_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts";

/// The destinations a replay counts for, from the function's routing
/// variables (as `render` reads them, checked the same way). With no topic
/// named, a deployment's usual two: `alerts` from info and `sms` from
/// critical. A least severity given for `sms` adds it; ARNs may be left out.
pub fn counted_router(vars: &[(String, String)]) -> Result<Router, ConfigError> {
    let mut vars: Vec<(String, String)> = vars
        .iter()
        .filter(|(k, v)| ROUTING_VARIABLES.contains(&k.as_str()) && !v.trim().is_empty())
        .cloned()
        .collect();
    let set = |vars: &[(String, String)], name: &str| vars.iter().any(|(k, _)| k == name);
    let topics = ["ALERT_TOPIC_ARN", "SMS_TOPIC_ARN", "EXTRA_DESTINATIONS"];
    let described = topics.iter().any(|t| set(&vars, t));
    let default_sms = !described || set(&vars, "SMS_MIN_SEVERITY");
    if default_sms && !set(&vars, "SMS_TOPIC_ARN") {
        let topic = COUNTED_TOPIC.replace("cloudtrail-alerts", SMS_DESTINATION);
        vars.push(("SMS_TOPIC_ARN".into(), topic));
    }
    if !set(&vars, "ALERT_TOPIC_ARN") {
        vars.push(("ALERT_TOPIC_ARN".into(), COUNTED_TOPIC.into()));
    }
    routing_from_vars(vars)
}

fn names(destinations: Vec<&Destination>) -> Vec<String> {
    destinations.into_iter().map(|d| d.name.clone()).collect()
}

/// Where the function's flush publishes a digest ([`Router::route_digest`]).
pub fn digest_destinations(router: &Router, d: &Digest) -> Vec<String> {
    names(router.route_digest(d))
}

/// Shrink `alert` to what deciding, the report and the alert lines read: of
/// the record, the first resource ARN and of the request fields the first
/// (a digest's top resources), and the values of the rule's key paths; none
/// of the rule's long texts. A replay holds every match until it is sorted,
/// so this is most of its memory.
pub fn keep_for_decisions(alert: &mut Alert, policy: Option<&Policy>) {
    let mut kept = Map::new();
    let arn = alert
        .record
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|r| r.iter().find_map(|x| x.get("ARN")?.as_str()));
    if let Some(arn) = arn {
        kept.insert("resources".into(), json!([{ "ARN": arn }]));
    }
    let paths = policy
        .and_then(|p| p.grouping.as_ref())
        .map(|g| g.key().0.as_slice())
        .unwrap_or_default();
    for path in paths {
        let Some(rest) = path.strip_prefix("detail.") else {
            continue;
        };
        let parts: Vec<&str> = rest.split('.').collect();
        if let Some(value) = parts.iter().try_fold(&*alert.record, |v, k| v.get(*k)) {
            put(&mut kept, &parts, value.clone());
        }
    }
    alert.record = Value::Object(kept).into();
    alert.request_fields.truncate(1);
    alert.request_fields.shrink_to_fit();
    alert.rule.description = String::new();
    alert.rule.runbook = None;
    alert.rule.references = Vec::new();
}

/// Set `value` at `parts` under `map`, making the objects on the way.
fn put(map: &mut Map<String, Value>, parts: &[&str], value: Value) {
    let Some((last, on_the_way)) = parts.split_last() else {
        return;
    };
    let mut at = map;
    for part in on_the_way {
        let next = at
            .entry((*part).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(inner) = next else { return };
        at = inner;
    }
    at.insert((*last).to_string(), value);
}

#[cfg(test)]
mod tests;
