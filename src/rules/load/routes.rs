//! Resolving `routes:` once every file is loaded: rule ids and tags must
//! name rules that exist, account names become ids.

use std::collections::{BTreeMap, BTreeSet};

use super::super::file::{RawRoute, did_you_mean};
use super::super::{Origin, Rule};
use crate::aws_ids::is_account_id;
use crate::routing::{Route, RouteMatch};

/// What a route may name: every rule id written (valid or not, so a broken
/// rule gives one error, not two), every tag and every account name.
pub(super) struct Known<'a> {
    pub rule_ids: BTreeSet<&'a str>,
    pub tags: BTreeSet<&'a str>,
    pub accounts: &'a BTreeMap<String, Vec<String>>,
}

impl<'a> Known<'a> {
    pub fn new(
        rule_ids: impl Iterator<Item = &'a str>,
        rules: &'a [Rule],
        accounts: &'a BTreeMap<String, Vec<String>>,
    ) -> Known<'a> {
        Known {
            rule_ids: rule_ids.collect(),
            tags: rules
                .iter()
                .flat_map(|r| r.tags.iter().map(String::as_str))
                .collect(),
            accounts,
        }
    }
}

/// The route as the router uses it; every unknown name is reported through
/// `err` (line, message) and the route is dropped.
pub(super) fn resolve(
    raw: &RawRoute,
    file: &str,
    known: &Known,
    mut err: impl FnMut(usize, String),
) -> Option<Route> {
    let mut ok = true;
    let mut check = |list: &Option<Vec<(String, usize)>>, what: &str, names: &BTreeSet<&str>| {
        for (name, line) in list.iter().flatten() {
            if !names.contains(name.as_str()) {
                let hint = did_you_mean(name, names.iter().copied())
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                err(
                    *line,
                    format!("a route names unknown {what} `{name}`{hint}"),
                );
                ok = false;
            }
        }
        list.as_ref()
            .map(|l| l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())
    };
    let rules = check(&raw.rules, "rule id", &known.rule_ids);
    let tags = check(&raw.tags, "tag", &known.tags);
    let accounts = raw.accounts.as_ref().map(|list| {
        let mut ids = Vec::new();
        for (entry, line) in list {
            if let Some(named) = known.accounts.get(entry) {
                ids.extend(named.iter().cloned());
            } else if is_account_id(entry) {
                ids.push(entry.clone());
            } else {
                let hint = did_you_mean(entry, known.accounts.keys().map(String::as_str))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                err(
                    *line,
                    format!(
                        "a route names account `{entry}`, which is neither a 12-digit account id nor a name under `accounts:`{hint}"
                    ),
                );
                ok = false;
            }
        }
        ids.sort();
        ids.dedup();
        ids
    });
    ok.then(|| Route {
        when: RouteMatch {
            rules,
            tags,
            severities: raw.severities.clone(),
            accounts,
        },
        to: raw.to.iter().map(|(n, _)| n.clone()).collect(),
        origin: Origin {
            file: file.to_string(),
            line: raw.line,
        },
    })
}
