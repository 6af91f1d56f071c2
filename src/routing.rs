//! Which alert goes to which destination.
//!
//! A [`Router`] is built once from the configuration ([`crate::config`]) and
//! the rule files' `routes:` and `storm-guard:` ([`Router::with_rules`]), and
//! asked, per alert or digest, where it goes ([`Router::route`],
//! [`Router::route_digest`]): a pure decision, made the same way by the
//! function and by `cloudtrail-alerts render`, so a preview shows the
//! deployed routing. It is the one place that knows destinations, routes and
//! storm guards; whether a guard holds an alert back is the decide step's
//! business ([`crate::decide`]), what each destination is sent is render's
//! ([`crate::render`]).

mod route;

use std::collections::BTreeMap;

pub use route::{Facts, Route, RouteMatch};

use crate::alert::Alert;
use crate::decide::{Digest, DigestKind, Guard};
use crate::render::{self, PublishRequest, digest};
use crate::rules::{Origin, RuleConfig};
use crate::severity::Severity;

/// Where alerts go: an SNS topic and the least severity it wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Short name used in logs, metrics and `render` output, e.g. `alerts` or `sms`.
    pub name: String,
    pub topic_arn: String,
    pub min_severity: Severity,
}

impl Destination {
    /// Does this destination take `alert` by severity alone?
    pub fn wants(&self, alert: &Alert) -> bool {
        self.min_severity <= alert.rule.severity
    }
}

/// A route or storm guard naming a destination the deployment does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {what} names destination `{name}`, which is not configured (destinations: {})", .origin.file, .origin.line, .known.join(", "))]
pub struct UnknownDestination {
    pub origin: Origin,
    /// `a route` or `storm-guard`.
    pub what: &'static str,
    pub name: String,
    pub known: Vec<String>,
}

/// Every destination, in configuration order (main topic first), the routes
/// and storm guards of the rule files, and the decision of which
/// destinations an alert or digest goes to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Router {
    destinations: Vec<Destination>,
    routes: Vec<Route>,
    guards: BTreeMap<String, (Guard, Origin)>,
    /// Rule id → tags: digests carry only the rule id.
    rule_tags: BTreeMap<String, Vec<String>>,
}

impl From<Vec<Destination>> for Router {
    fn from(destinations: Vec<Destination>) -> Router {
        Router::new(destinations)
    }
}

impl Router {
    pub fn new(destinations: Vec<Destination>) -> Router {
        Router {
            destinations,
            ..Router::default()
        }
    }

    /// This router with the routes and storm guards of `rules` (replacing
    /// any it had). Check [`Router::unknown_destinations`] before use.
    pub fn with_rules(mut self, rules: &RuleConfig) -> Router {
        self.routes = rules.settings.routes.clone();
        self.guards = rules
            .settings
            .storm_guards
            .iter()
            .map(|(name, guard)| {
                let origin = rules
                    .settings
                    .storm_guard_origins
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| Origin {
                        file: "storm-guard".into(),
                        line: 0,
                    });
                (name.clone(), (*guard, origin))
            })
            .collect();
        self.rule_tags = rules
            .rules
            .iter()
            .map(|r| (r.id.clone(), r.tags.clone()))
            .collect();
        self
    }

    /// Routes and storm guards that name a destination this router lacks.
    pub fn unknown_destinations(&self) -> Vec<UnknownDestination> {
        let known: Vec<String> = self.destinations.iter().map(|d| d.name.clone()).collect();
        let unknown = |origin: &Origin, what, name: &String| {
            (!known.contains(name)).then(|| UnknownDestination {
                origin: origin.clone(),
                what,
                name: name.clone(),
                known: known.clone(),
            })
        };
        let routes = self
            .routes
            .iter()
            .flat_map(|r| r.to.iter().filter_map(|n| unknown(&r.origin, "a route", n)));
        let guards = self
            .guards
            .iter()
            .filter_map(|(n, (_, origin))| unknown(origin, "storm-guard", n));
        routes.chain(guards).collect()
    }

    /// Every destination, whether or not any alert reaches it.
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// The routes, in the order they are tried.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The storm guard of `destination`, if it has one.
    pub fn guard(&self, destination: &str) -> Option<&Guard> {
        self.guards.get(destination).map(|(g, _)| g)
    }

    /// The destinations `alert` goes to, in configuration order; none when
    /// no route takes it and it is below every destination's least severity.
    pub fn route(&self, alert: &Alert) -> Vec<&Destination> {
        self.route_facts(&Facts {
            rule_id: &alert.rule.id,
            tags: &alert.rule.tags,
            severity: alert.rule.severity,
            account: alert.account.as_deref(),
        })
    }

    /// The destinations of whatever has these facts: the first route that
    /// matches, else severity routing. A route whose destinations are all
    /// unknown (a configuration not checked) falls back to severity routing
    /// rather than drop the alert.
    pub fn route_facts(&self, facts: &Facts) -> Vec<&Destination> {
        if let Some(route) = self.routes.iter().find(|r| r.when.holds(facts)) {
            let to: Vec<&Destination> = self
                .destinations
                .iter()
                .filter(|d| route.to.contains(&d.name))
                .collect();
            if !to.is_empty() {
                return to;
            }
        }
        self.destinations
            .iter()
            .filter(|d| d.min_severity <= facts.severity)
            .collect()
    }

    /// The destinations of a digest: a storm guard's digest goes back to the
    /// destination that held its alerts; the others are routed like an alert
    /// of their rule, severity and account.
    pub fn route_digest(&self, d: &Digest) -> Vec<&Destination> {
        if let DigestKind::Held { destination } = &d.kind {
            return self
                .destinations
                .iter()
                .filter(|x| &x.name == destination)
                .collect();
        }
        let tags = self
            .rule_tags
            .get(&d.subject.rule_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.route_facts(&Facts {
            rule_id: &d.subject.rule_id,
            tags,
            severity: d.subject.severity,
            account: d.subject.account.as_deref(),
        })
    }

    /// The Publish requests for `alert`: routing's decision, render's messages.
    pub fn publish_requests(&self, alert: &Alert) -> Vec<PublishRequest> {
        render::publish_requests(alert, self.route(alert))
    }

    /// The Publish requests for a digest or threshold message.
    pub fn digest_requests(&self, d: &Digest) -> Vec<PublishRequest> {
        self.route_digest(d)
            .into_iter()
            .map(|dest| digest::request(d, &dest.name, &dest.topic_arn))
            .collect()
    }
}

#[cfg(test)]
mod routes_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Principal, RuleInfo};

    fn alert(severity: Severity) -> Alert {
        Alert {
            rule: RuleInfo {
                id: "r".into(),
                title: "R".into(),
                description: String::new(),
                severity,
                runbook: None,
                references: vec![],
                tags: vec![],
            },
            event_id: Some("e".into()),
            event_name: None,
            event_source: None,
            event_type: None,
            detail_type: None,
            event_time: None,
            account: None,
            account_name: None,
            region: None,
            principal: Principal::default(),
            source_ip: None,
            user_agent: None,
            error_code: None,
            error_message: None,
            failed: false,
            request_fields: vec![],
            record: serde_json::Value::Null.into(),
        }
    }

    fn destination(name: &str, min_severity: Severity) -> Destination {
        Destination {
            name: name.into(),
            topic_arn: format!("arn:aws:sns:us-east-1:111122223333:{name}"),
            min_severity,
        }
    }

    fn names(router: &Router, severity: Severity) -> Vec<String> {
        router
            .route(&alert(severity))
            .into_iter()
            .map(|d| d.name.clone())
            .collect()
    }

    #[test]
    fn each_destination_takes_alerts_at_or_above_its_least_severity() {
        let router = Router::new(vec![
            destination("alerts", Severity::Low),
            destination("sms", Severity::Critical),
            destination("soc", Severity::High),
        ]);
        assert!(names(&router, Severity::Info).is_empty());
        assert_eq!(names(&router, Severity::Low), ["alerts"]);
        assert_eq!(names(&router, Severity::High), ["alerts", "soc"]);
        assert_eq!(names(&router, Severity::Critical), ["alerts", "sms", "soc"]);
    }

    #[test]
    fn one_request_per_routed_destination_with_the_same_messages() {
        let router = Router::new(vec![
            destination("alerts", Severity::Info),
            destination("sms", Severity::Critical),
        ]);
        assert_eq!(router.publish_requests(&alert(Severity::Medium)).len(), 1);
        let requests = router.publish_requests(&alert(Severity::Critical));
        let to: Vec<(&str, &str)> = requests
            .iter()
            .map(|r| (r.destination.as_str(), r.topic_arn.as_str()))
            .collect();
        assert_eq!(
            to,
            [
                ("alerts", "arn:aws:sns:us-east-1:111122223333:alerts"),
                ("sms", "arn:aws:sns:us-east-1:111122223333:sms"),
            ]
        );
        assert_eq!(requests[0].message, requests[1].message);
        assert!(
            Router::default()
                .route(&alert(Severity::Critical))
                .is_empty()
        );
    }
}
