//! Which alert goes to which destination.
//!
//! A [`Router`] is built once from the configuration ([`crate::config`]) and
//! asked, per alert, where it goes ([`Router::route`]): a pure decision, made
//! the same way by the function and by `cloudtrail-alerts render`, so a
//! preview shows the deployed routing. Today a destination takes every alert
//! at or above its least severity; routes by rule, account or tag, and guards
//! against alert storms, belong here too, as further conditions of a route.
//! What each destination is sent is render's business ([`crate::render`]).

use crate::alert::Alert;
use crate::render::{self, PublishRequest};
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
    /// Does this destination take `alert`?
    pub fn wants(&self, alert: &Alert) -> bool {
        self.min_severity <= alert.rule.severity
    }
}

/// Every destination, in configuration order (main topic first), and the
/// decision of which of them an alert goes to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Router {
    destinations: Vec<Destination>,
}

impl From<Vec<Destination>> for Router {
    fn from(destinations: Vec<Destination>) -> Router {
        Router::new(destinations)
    }
}

impl Router {
    pub fn new(destinations: Vec<Destination>) -> Router {
        Router { destinations }
    }

    /// Every destination, whether or not any alert reaches it.
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// The destinations `alert` goes to, in configuration order; none when it
    /// is below every destination's least severity.
    pub fn route(&self, alert: &Alert) -> Vec<&Destination> {
        self.destinations
            .iter()
            .filter(|d| d.wants(alert))
            .collect()
    }

    /// The Publish requests for `alert`: routing's decision, render's messages.
    pub fn publish_requests(&self, alert: &Alert) -> Vec<PublishRequest> {
        render::publish_requests(alert, self.route(alert))
    }
}

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
