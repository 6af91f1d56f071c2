//! Loading every rule file together: the built-in pack first, then the user's
//! files in order; account names resolved, overrides applied, and every error
//! of every file collected.

mod routes;

use std::collections::{BTreeMap, HashMap};

use super::file::{self, RawScope, did_you_mean};
use super::{
    BuiltinSelection, CheckedPatterns, LoadOptions, Origin, Provenance, Rule, RuleConfig,
    RuleFileError, RuleTests, Scope, Settings,
};
use crate::aws_ids::is_account_id;
use crate::decide::{Guard, Policy};

/// Load the built-in pack (if `options.builtin`) and `options.files`, in order.
pub fn load(options: &LoadOptions) -> Result<RuleConfig, Vec<RuleFileError>> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in &options.files {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push((name, text)),
                Err(_) => errors.push(unreadable(name, "the file is not UTF-8 text".to_string())),
            },
            Err(e) => errors.push(unreadable(name, format!("cannot read the file: {e}"))),
        }
    }
    match load_sources_selected(&sources, &options.builtin) {
        Ok(config) if errors.is_empty() => Ok(config),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

fn at(file: &str, line: usize) -> Origin {
    Origin {
        file: file.to_string(),
        line,
    }
}

fn unreadable(file: String, message: String) -> RuleFileError {
    RuleFileError {
        file,
        line: 0,
        rule_id: None,
        message,
    }
}

/// Load from `(name, text)` pairs, after the built-in pack's default set when `builtin`.
pub fn load_sources(
    sources: &[(String, String)],
    builtin: bool,
) -> Result<RuleConfig, Vec<RuleFileError>> {
    load_sources_selected(sources, &builtin.into())
}

/// Load from `(name, text)` pairs, after the built-in rules `selection` names.
pub fn load_sources_selected(
    sources: &[(String, String)],
    selection: &BuiltinSelection,
) -> Result<RuleConfig, Vec<RuleFileError>> {
    let mut parsed = Vec::new();
    if selection.loads_builtin() {
        parsed.extend(
            super::builtin_sources()
                .iter()
                .map(|(name, text)| file::parse(name, text)),
        );
    }
    for (name, text) in sources {
        parsed.push(file::parse(name, text));
    }

    let mut errors: Vec<(usize, RuleFileError)> = Vec::new();
    for (i, p) in parsed.iter_mut().enumerate() {
        errors.extend(p.errors.drain(..).map(|e| (i, e)));
    }
    let err = |errors: &mut Vec<(usize, RuleFileError)>,
               i: usize,
               file: &str,
               line: usize,
               rule_id: Option<&str>,
               message: String| {
        errors.push((
            i,
            RuleFileError {
                file: file.to_string(),
                line,
                rule_id: rule_id.map(str::to_string),
                message,
            },
        ));
    };

    // Account names, from every file: a name may be repeated only with the same ids.
    let mut accounts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut account_origin: HashMap<String, (String, usize)> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        for def in &p.file.accounts {
            match accounts.get(&def.name) {
                Some(ids) if *ids != def.ids => {
                    let (f, l) = &account_origin[&def.name];
                    err(
                        &mut errors,
                        i,
                        &p.file.name,
                        def.line,
                        None,
                        format!(
                            "account name `{}` is already defined at {f}:{l} with other ids",
                            def.name
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    accounts.insert(def.name.clone(), def.ids.clone());
                    account_origin.insert(def.name.clone(), (p.file.name.clone(), def.line));
                }
            }
        }
    }

    // Account names in every scope written, whether or not its rule is valid.
    for (i, p) in parsed.iter().enumerate() {
        for (rid, scope) in &p.scopes {
            resolve_scope(scope, &accounts, Scope::default(), |line, msg| {
                err(&mut errors, i, &p.file.name, line, rid.as_deref(), msg)
            });
        }
    }

    // Rule ids are unique across every file, including rules that had errors.
    let mut first_seen: HashMap<String, (String, usize)> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        for (id, line) in &p.ids {
            match first_seen.get(id) {
                Some((f, l)) => {
                    let hint = if super::is_builtin_file(f) {
                        "; to change a built-in rule use `overrides:`, or disable it and give your copy a new id"
                    } else {
                        ""
                    };
                    err(
                        &mut errors,
                        i,
                        &p.file.name,
                        *line,
                        Some(id),
                        format!("duplicate rule id `{id}`: first defined at {f}:{l}{hint}"),
                    );
                }
                None => {
                    first_seen.insert(id.clone(), (p.file.name.clone(), *line));
                }
            }
        }
    }

    let mut rules: Vec<Rule> = Vec::new();
    let mut tests: Vec<RuleTests> = Vec::new();
    let mut checked = CheckedPatterns::default();
    for p in &parsed {
        for raw in &p.file.rules {
            if rules.iter().any(|r| r.id == raw.id) {
                continue;
            }
            if !raw.tests.is_empty() {
                tests.push(RuleTests {
                    rule_id: raw.id.clone(),
                    file: p.file.name.clone(),
                    tests: raw.tests.clone(),
                });
            }
            checked.insert(&raw.id, raw.pattern.clone());
            for x in &raw.exclude {
                checked.add_exclude(&raw.id, x.clone());
            }
            let scope = match &raw.scope {
                // Unknown names were reported above.
                Some(s) => resolve_scope(s, &accounts, Scope::default(), |_, _| {}),
                None => Scope::default(),
            };
            rules.push(Rule {
                id: raw.id.clone(),
                title: raw.title.clone(),
                description: raw.description.clone(),
                severity: raw.severity,
                pattern: raw.pattern.value.clone(),
                exclude: raw.exclude.iter().map(|x| x.value.clone()).collect(),
                runbook: raw.runbook.clone(),
                enabled: raw.enabled,
                references: raw.references.clone(),
                fields: raw.fields.clone(),
                tags: raw.tags.clone(),
                scope,
                origin: Origin {
                    file: p.file.name.clone(),
                    line: raw.line,
                },
                delivery: Policy {
                    mode: raw.delivery.mode.unwrap_or_default(),
                    grouping: raw.delivery.grouping.clone().flatten(),
                },
                provenance: Provenance {
                    excludes: raw
                        .exclude
                        .iter()
                        .map(|x| at(&p.file.name, x.line))
                        .collect(),
                    ..Provenance::default()
                },
            });
        }
    }

    // Later files' storm guards replace earlier ones for the same destination.
    let storm_guards: BTreeMap<String, Guard> = parsed
        .iter()
        .flat_map(|p| p.file.storm_guards.iter())
        .map(|(name, guard, _)| (name.clone(), *guard))
        .collect();
    for unknown in selection.apply(&mut rules) {
        let known = rules
            .iter()
            .filter(|r| super::is_builtin_file(&r.origin.file))
            .flat_map(|r| std::iter::once(r.id.as_str()).chain(r.tags.iter().map(String::as_str)));
        let hint = did_you_mean(&unknown, known)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        errors.push((
            0,
            RuleFileError {
                file: super::BUILTIN_FILE.to_string(),
                line: 0,
                rule_id: None,
                message: format!(
                    "the built-in rule selection `{selection}` names `{unknown}`, which is no built-in rule id or tag{hint}"
                ),
            },
        ));
    }

    // Overrides apply in file order: later values win, excludes accumulate.
    for (i, p) in parsed.iter().enumerate() {
        for over in &p.file.overrides {
            let Some(rule) = rules.iter_mut().find(|r| r.id == over.rule_id) else {
                if !first_seen.contains_key(&over.rule_id) {
                    let hint = did_you_mean(&over.rule_id, first_seen.keys().map(String::as_str))
                        .map(|id| format!("; did you mean `{id}`?"))
                        .unwrap_or_default();
                    err(
                        &mut errors,
                        i,
                        &p.file.name,
                        over.line,
                        Some(&over.rule_id),
                        format!("override names unknown rule id `{}`{hint}", over.rule_id),
                    );
                }
                continue;
            };
            let here = at(&p.file.name, over.line);
            rule.provenance.record(over, &here, &p.file.name);
            if let Some(enabled) = over.enabled {
                rule.enabled = enabled;
            }
            if let Some(severity) = over.severity {
                rule.severity = severity;
            }
            rule.exclude
                .extend(over.exclude.iter().map(|x| x.value.clone()));
            for x in &over.exclude {
                checked.add_exclude(&rule.id, x.clone());
            }
            if let Some(mode) = over.delivery.mode {
                rule.delivery.mode = mode;
            }
            if let Some(grouping) = &over.delivery.grouping {
                rule.delivery.grouping = grouping.clone();
            }
            if let Some(s) = &over.scope {
                let base = std::mem::take(&mut rule.scope);
                rule.scope = resolve_scope(s, &accounts, base, |_, _| {});
            }
        }
    }

    let storm_guard_origins: BTreeMap<String, Origin> = parsed
        .iter()
        .flat_map(|p| p.file.storm_guards.iter().map(move |g| (p, g)))
        .map(|(p, (name, _, line))| {
            let origin = Origin {
                file: p.file.name.clone(),
                line: *line,
            };
            (name.clone(), origin)
        })
        .collect();

    // Routes of every file, in load order: the first that matches decides.
    let mut routes = Vec::new();
    let known = routes::Known::new(first_seen.keys().map(String::as_str), &rules, &accounts);
    for (i, p) in parsed.iter().enumerate() {
        for raw in &p.file.routes {
            let resolved = routes::resolve(raw, &p.file.name, &known, |line, msg| {
                err(&mut errors, i, &p.file.name, line, None, msg)
            });
            routes.extend(resolved);
        }
    }

    if errors.is_empty() {
        Ok(RuleConfig {
            rules,
            settings: Settings {
                accounts,
                storm_guards,
                storm_guard_origins,
                routes,
            },
            checked,
            tests,
        })
    } else {
        errors.sort_by_key(|(i, e)| (*i, e.line));
        Err(errors.into_iter().map(|(_, e)| e).collect())
    }
}

/// Resolve account names to ids. Keys given replace those of `base`; keys not
/// given keep `base`'s value.
fn resolve_scope(
    raw: &RawScope,
    accounts: &BTreeMap<String, Vec<String>>,
    base: Scope,
    mut err: impl FnMut(usize, String),
) -> Scope {
    let mut scope = base;
    if let Some(list) = &raw.accounts {
        scope.accounts.clear();
        for (entry, line) in list {
            if let Some(ids) = accounts.get(entry) {
                scope.accounts.extend(ids.iter().cloned());
            } else if is_account_id(entry) {
                scope.accounts.push(entry.clone());
            } else {
                let hint = did_you_mean(entry, accounts.keys().map(String::as_str))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                err(
                    *line,
                    format!(
                        "scope names account `{entry}`, which is neither a 12-digit account id nor a name under `accounts:`{hint}"
                    ),
                );
            }
        }
        scope.accounts.sort();
        scope.accounts.dedup();
    }
    if let Some(regions) = &raw.regions {
        scope.regions = regions.clone();
    }
    scope
}
