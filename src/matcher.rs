//! The compiled rule set: which rules fire for an event view, honouring
//! `exclude` and `scope`; indexed so that cost grows slowly with the number of rules.
//!
//! Each conjunction of a rule's pattern is filed under its most selective
//! condition:
//! - a field whose alternatives are all literals → (path, value) buckets, numbers
//!   keyed by value so that `300` and `300.0` meet, IP literals by canonical text.
//!   Among such fields the one expected to let fewest events through wins: few
//!   alternatives at a path where the rules name many distinct values
//!   (`eventName` rather than `source` or `eventSource`);
//! - otherwise a field that needs a leaf (anything but `exists: false`) → the
//!   path's presence bucket;
//! - otherwise (only `exists: false` conditions) → checked for every event.
//!
//! An event only looks up the buckets of the leaves it has, and only the rules
//! found there are checked in full, in config order.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::event::{EventView, Leaf, PathId, PathSet};
use crate::pattern::ops::{self, NumKey};
use crate::pattern::{Alt, Field, Pattern, PatternError};
use crate::rules::{Rule, RuleConfig};

mod explain;
pub use explain::{Check, Outcome};

/// A rule whose pattern matched, and whether one of its excludes silenced it.
#[derive(Debug, Clone)]
pub struct Firing<'a> {
    pub rule: &'a Rule,
    /// Index into `rule.exclude` of the first exclude that matched.
    pub suppressed_by: Option<usize>,
}

/// A rule pattern or exclude that did not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin_file}:{line}: rule {rule_id}: {}", .error.in_field(.field))]
pub struct CompileError {
    pub rule_id: String,
    pub origin_file: String,
    pub line: usize,
    /// `pattern` or `exclude[N]`.
    pub field: String,
    pub error: PatternError,
}

/// The envelope paths a rule's scope reads.
const ACCOUNT_PATH: &str = "account";
const REGION_PATH: &str = "region";

#[derive(Debug)]
struct CompiledRule {
    rule: Rule,
    pattern: Pattern,
    excludes: Vec<Pattern>,
    /// (path, allowed values); absent when the scope does not restrict.
    accounts: Option<(PathId, Vec<String>)>,
    regions: Option<(PathId, Vec<String>)>,
}

impl CompiledRule {
    fn in_scope(&self, event: &EventView) -> bool {
        allows(&self.accounts, event) && allows(&self.regions, event)
    }
}

/// Does the event hold one of the values a scope limit allows?
#[inline]
fn allows(limit: &Option<(PathId, Vec<String>)>, event: &EventView) -> bool {
    match limit {
        None => true,
        Some((path, values)) => event.leaves(*path).iter().any(|l| match &l.value {
            Leaf::Str(s) => values.iter().any(|v| v == s),
            _ => false,
        }),
    }
}

/// A multiply-rotate hash over 8-byte words, for the per-event bucket
/// lookups, where SipHash was a fifth of matching time. Flooding is not a
/// concern: the tables hold rule literals only and are never grown from event
/// data, so a crafted event string can at worst probe one existing chain.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl WordHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    /// Products only carry low bits upwards; fold the high bits back down so
    /// that keys differing in their last bytes land in different buckets.
    #[inline]
    fn finish(&self) -> u64 {
        let x = self.0;
        (x ^ (x >> 32)).wrapping_mul(SEED) ^ (x >> 29)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// Rule indexes by literal value, for one path.
#[derive(Debug, Default)]
struct ValueBuckets {
    strs: FastMap<String, Vec<u32>>,
    nums: FastMap<u64, Vec<u32>>,
    num_texts: FastMap<String, Vec<u32>>,
    bools: [Vec<u32>; 2],
    nulls: Vec<u32>,
    /// Some literal is an IP address: event strings are also looked up by
    /// their canonical address text.
    has_ip: bool,
}

impl ValueBuckets {
    fn add(&mut self, alt: &Alt, rule: u32) {
        match alt {
            Alt::Str { text, ip } => {
                self.strs.entry(text.clone()).or_default().push(rule);
                if let Some(ip) = ip {
                    self.has_ip = true;
                    self.strs.entry(ops::ip_text(*ip)).or_default().push(rule);
                }
            }
            Alt::Num(NumKey::Value(v)) => self.nums.entry(v.to_bits()).or_default().push(rule),
            Alt::Num(NumKey::Text(t)) => self.num_texts.entry(t.clone()).or_default().push(rule),
            Alt::Bool(b) => self.bools[usize::from(*b)].push(rule),
            Alt::Null => self.nulls.push(rule),
            // Only literal alternatives are filed here (see `is_literal`).
            _ => {}
        }
    }

    fn collect(&self, leaf: &Leaf, out: &mut Vec<u32>) {
        let found = match leaf {
            Leaf::Str(s) => {
                if self.has_ip
                    && let Some(ip) = ops::parse_ip(s)
                {
                    let canonical = ops::ip_text(ip);
                    if canonical != *s
                        && let Some(ids) = self.strs.get(&canonical)
                    {
                        out.extend_from_slice(ids);
                    }
                }
                self.strs.get(s.as_str())
            }
            Leaf::Num(n) => match NumKey::of(n) {
                NumKey::Value(v) => self.nums.get(&v.to_bits()),
                NumKey::Text(t) => self.num_texts.get(&t),
            },
            Leaf::Bool(b) => Some(&self.bools[usize::from(*b)]),
            Leaf::Null => Some(&self.nulls),
        };
        if let Some(ids) = found {
            out.extend_from_slice(ids);
        }
    }
}

#[derive(Debug, Default)]
struct Index {
    by_value: Vec<(PathId, ValueBuckets)>,
    by_presence: Vec<(PathId, Vec<u32>)>,
    always: Vec<u32>,
}

fn is_literal(alt: &Alt) -> bool {
    matches!(
        alt,
        Alt::Str { .. } | Alt::Num(_) | Alt::Bool(_) | Alt::Null
    )
}

/// Deeper paths are usually more selective (`detail.eventName` over `source`).
fn depth(paths: &PathSet, id: PathId) -> usize {
    paths.name(id).matches('.').count()
}

enum Key<'a> {
    Values(&'a Field),
    Presence(PathId),
    Always,
}

fn is_exact(field: &Field) -> bool {
    !field.tests.exists_true
        && !field.tests.exists_false
        && !field.tests.alts.is_empty()
        && field.tests.alts.iter().all(is_literal)
}

/// How many distinct literal values the rules name at each path: the more
/// there are, the fewer events one of them lets through (a rule set names a
/// handful of `source`s but hundreds of `eventName`s).
fn literal_variety(rules: &[CompiledRule]) -> HashMap<PathId, usize> {
    let mut seen: HashSet<(PathId, String)> = HashSet::new();
    let mut variety: HashMap<PathId, usize> = HashMap::new();
    for rule in rules {
        for conjunction in rule.pattern.conjunctions() {
            for field in conjunction.fields.iter().filter(|f| is_exact(f)) {
                for alt in &field.tests.alts {
                    if seen.insert((field.path, format!("{alt:?}"))) {
                        *variety.entry(field.path).or_default() += 1;
                    }
                }
            }
        }
    }
    variety
}

fn choose_key<'a>(
    fields: &'a [Field],
    paths: &PathSet,
    variety: &HashMap<PathId, usize>,
) -> Key<'a> {
    // Expected share of events let through ~ alternatives / variety at the
    // path; compared as cross products to stay in integers.
    let share = |f: &Field| {
        (
            f.tests.alts.len(),
            variety.get(&f.path).copied().unwrap_or(1).max(1),
        )
    };
    let exact = fields.iter().filter(|f| is_exact(f)).min_by(|a, b| {
        let ((na, va), (nb, vb)) = (share(a), share(b));
        (na * vb)
            .cmp(&(nb * va))
            .then_with(|| depth(paths, b.path).cmp(&depth(paths, a.path)))
    });
    if let Some(field) = exact {
        return Key::Values(field);
    }
    match fields
        .iter()
        .filter(|f| !f.tests.exists_false)
        .max_by_key(|f| depth(paths, f.path))
    {
        Some(field) => Key::Presence(field.path),
        None => Key::Always,
    }
}

impl Index {
    fn add(
        &mut self,
        pattern: &Pattern,
        rule: u32,
        paths: &PathSet,
        variety: &HashMap<PathId, usize>,
    ) {
        for conjunction in pattern.conjunctions() {
            match choose_key(&conjunction.fields, paths, variety) {
                Key::Values(field) => {
                    let slot = match self.by_value.iter().position(|(p, _)| *p == field.path) {
                        Some(i) => i,
                        None => {
                            self.by_value.push((field.path, ValueBuckets::default()));
                            self.by_value.len() - 1
                        }
                    };
                    for alt in &field.tests.alts {
                        self.by_value[slot].1.add(alt, rule);
                    }
                }
                Key::Presence(path) => {
                    match self.by_presence.iter_mut().find(|(p, _)| *p == path) {
                        Some((_, ids)) => ids.push(rule),
                        None => self.by_presence.push((path, vec![rule])),
                    }
                }
                Key::Always => self.always.push(rule),
            }
        }
    }

    /// Every rule that might match, sorted, each once.
    fn candidates(&self, event: &EventView) -> Vec<u32> {
        let mut out = self.always.clone();
        for (path, buckets) in &self.by_value {
            for leaf in event.leaves(*path) {
                buckets.collect(&leaf.value, &mut out);
            }
        }
        for (path, ids) in &self.by_presence {
            if !event.leaves(*path).is_empty() {
                out.extend_from_slice(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The enabled rules of a configuration, compiled and indexed.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    paths: PathSet,
    index: Index,
}

impl RuleSet {
    /// Compile every enabled rule; on failure, every error found (not just the first).
    pub fn compile(config: &RuleConfig) -> Result<RuleSet, Vec<CompileError>> {
        let mut paths = PathSet::new();
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for rule in config.rules.iter().filter(|r| r.enabled) {
            let error = |field: String, error: PatternError| CompileError {
                rule_id: rule.id.clone(),
                origin_file: rule.origin.file.clone(),
                line: rule.origin.line,
                field,
                error,
            };
            // The loader's checked patterns are bound, not parsed again.
            let checked = &config.checked;
            let pattern = match checked.pattern(&rule.id, &rule.pattern) {
                Some(parsed) => Some(parsed.bind(&mut paths)),
                None => Pattern::compile(&rule.pattern, &mut paths)
                    .map_err(|e| errors.push(error("pattern".to_string(), e)))
                    .ok(),
            };
            let mut excludes = Vec::new();
            for (i, exclude) in rule.exclude.iter().enumerate() {
                match checked.exclude(&rule.id, i, exclude) {
                    Some(parsed) => excludes.push(parsed.bind(&mut paths)),
                    None => match Pattern::compile(exclude, &mut paths) {
                        Ok(p) => excludes.push(p),
                        Err(e) => errors.push(error(format!("exclude[{i}]"), e)),
                    },
                }
            }
            let Some(pattern) = pattern else { continue };
            if excludes.len() != rule.exclude.len() {
                continue;
            }
            let mut limit = |path: &str, values: &[String]| {
                (!values.is_empty()).then(|| (paths.intern(path), values.to_vec()))
            };
            let accounts = limit(ACCOUNT_PATH, &rule.scope.accounts);
            let regions = limit(REGION_PATH, &rule.scope.regions);
            rules.push(CompiledRule {
                rule: rule.clone(),
                pattern,
                excludes,
                accounts,
                regions,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut index = Index::default();
        let variety = literal_variety(&rules);
        for (i, compiled) in rules.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            index.add(&compiled.pattern, id, &paths, &variety);
        }
        Ok(RuleSet {
            rules,
            paths,
            index,
        })
    }

    /// Every path any compiled pattern, exclude or scope reads.
    pub fn paths(&self) -> &PathSet {
        &self.paths
    }

    /// The rules whose pattern (and scope) match, in config order; those silenced
    /// by an exclude are included with `suppressed_by` set.
    pub fn evaluate(&self, event: &EventView) -> Vec<Firing<'_>> {
        self.index
            .candidates(event)
            .into_iter()
            .filter_map(|i| self.rules.get(i as usize))
            .filter(|r| r.in_scope(event) && r.pattern.matches(event))
            .map(|r| Firing {
                rule: &r.rule,
                suppressed_by: r.excludes.iter().position(|x| x.matches(event)),
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| &r.rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventView;
    use crate::rules::load_sources;

    /// A path given twice, in an order that sorting the keys would reverse.
    const RULES: &str = r#"
rules:
  - id: written-order
    title: T
    severity: low
    pattern: '{"detail.a": ["sorted"], "detail": {"a": ["written"]}}'
"#;

    fn fires(set: &RuleSet, a: &str) -> bool {
        let event = serde_json::json!({"source": "x", "detail-type": "y", "detail": {"a": a}});
        let view = EventView::from_value(&event, set.paths()).unwrap();
        !set.evaluate(&view).is_empty()
    }

    #[test]
    fn the_rule_set_uses_the_pattern_the_loader_checked() {
        let mut config = load_sources(&[("r.yaml".into(), RULES.into())], false).unwrap();
        // Checked as written: the later condition on `detail.a` wins.
        let set = RuleSet::compile(&config).unwrap();
        assert!(fires(&set, "written"));
        assert!(!fires(&set, "sorted"));

        // A pattern changed after loading is compiled from its new value.
        config.rules[0].pattern = serde_json::json!({"detail": {"a": ["changed"]}});
        let set = RuleSet::compile(&config).unwrap();
        assert!(fires(&set, "changed"));
        assert!(!fires(&set, "written"));
    }
}
