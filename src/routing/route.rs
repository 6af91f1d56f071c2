//! Routes (`routes:` in rule files): which destinations take which alerts,
//! by rule id, tag, severity and account.
//!
//! Routes are tried in order and the first whose `match` holds decides: the
//! alert goes to exactly that route's `to`. An alert no route matches goes
//! where severity routing sends it (each destination takes alerts at or
//! above its least severity), so adding a route never drops an alert.

use crate::rules::Origin;
use crate::severity::Severity;

/// The conditions of a route; each one given must hold, and a condition
/// holds when any of its values does. `None`: not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteMatch {
    pub rules: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub severities: Option<Vec<Severity>>,
    /// Account ids; names under `accounts:` are resolved when rules load.
    pub accounts: Option<Vec<String>>,
}

/// One entry of `routes:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub when: RouteMatch,
    /// Destination names, as in `EXTRA_DESTINATIONS` (`alerts`, `sms`, …).
    pub to: Vec<String>,
    /// Where the route is written, for errors about it.
    pub origin: Origin,
}

/// What routing looks at: an alert's or a digest's rule, tags, severity and
/// account.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub rule_id: &'a str,
    pub tags: &'a [String],
    pub severity: Severity,
    pub account: Option<&'a str>,
}

impl RouteMatch {
    /// Does every condition given hold for `facts`?
    pub fn holds(&self, facts: &Facts) -> bool {
        let any = |list: &Option<Vec<String>>, has: &dyn Fn(&str) -> bool| {
            list.as_ref().is_none_or(|l| l.iter().any(|v| has(v)))
        };
        any(&self.rules, &|r| r == facts.rule_id)
            && any(&self.tags, &|t| facts.tags.iter().any(|x| x == t))
            && any(&self.accounts, &|a| facts.account == Some(a))
            && self
                .severities
                .as_ref()
                .is_none_or(|l| l.contains(&facts.severity))
    }

    /// True when no condition is given: the route takes every alert.
    pub fn is_catch_all(&self) -> bool {
        self.rules.is_none()
            && self.tags.is_none()
            && self.severities.is_none()
            && self.accounts.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(tags: &'a [String], account: Option<&'a str>) -> Facts<'a> {
        Facts {
            rule_id: "organizations-change",
            tags,
            severity: Severity::High,
            account,
        }
    }

    #[test]
    fn every_condition_given_must_hold_and_any_value_of_one_does() {
        let tags = vec!["cis".to_string(), "iam".to_string()];
        let when = RouteMatch {
            rules: Some(vec!["root-login".into(), "organizations-change".into()]),
            tags: Some(vec!["iam".into()]),
            severities: Some(vec![Severity::High, Severity::Critical]),
            accounts: Some(vec!["111122223333".into()]),
        };
        assert!(when.holds(&facts(&tags, Some("111122223333"))));
        // Near misses: one condition fails, the others hold.
        assert!(!when.holds(&facts(&tags, Some("444455556666"))));
        assert!(!when.holds(&facts(&tags, None)));
        assert!(!when.holds(&facts(&tags[..1], Some("111122223333"))));
        let low = Facts {
            severity: Severity::Medium,
            ..facts(&tags, Some("111122223333"))
        };
        assert!(!when.holds(&low));
        let other_rule = Facts {
            rule_id: "root-logins",
            ..facts(&tags, Some("111122223333"))
        };
        assert!(!when.holds(&other_rule));
        assert!(RouteMatch::default().holds(&facts(&[], None)));
        assert!(RouteMatch::default().is_catch_all() && !when.is_catch_all());
    }
}
