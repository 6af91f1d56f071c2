//! What a replay found, per rule and for the whole run: the numbers a person
//! tunes rules with. Built from the matches and digests in the order they
//! were decided ([`crate::delivery`]), so the same archive always gives the
//! same report: raw matches, and what each destination would have been sent
//! after dedup, thresholds, shadow mode and storm guards; rendered as a terminal
//! table ([`table`]), JSON (this module's types, schema in
//! `docs/report.schema.json`) or one self-contained HTML page ([`html`]).

pub mod html;
pub mod table;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::alert::Alert;
use crate::decide::{Delivery, Digest, DigestKind};
use crate::delivery::{Fate, Sink};
use crate::rules::Rule;
use crate::severity::Severity;

/// Version of the JSON report's shape; bumped when a field changes meaning
/// or goes away.
pub const SCHEMA_VERSION: u32 = 2;
/// Entries kept in each "top" list.
pub const TOP: usize = 5;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema: u32,
    /// Whether dedup, thresholds, shadow mode and storm guards were applied
    /// (false with `--no-state`: every match is sent where it routes).
    pub state: bool,
    pub totals: Totals,
    /// `--since`/`--until` as given (normalised to UTC instants), if any.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Every day (`YYYY-MM-DD`) with at least one match, in order: the
    /// columns of the daily charts.
    pub days: Vec<String>,
    /// Every enabled rule, noisiest first (then by id).
    pub rules: Vec<RuleReport>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Files and objects read (skipped ones not included).
    pub files: u64,
    /// Files, objects and folders that could not be read at all.
    pub skipped: u64,
    pub events: u64,
    /// Records that could not be read (bad JSON, not an event).
    pub unreadable: u64,
    /// Bytes read as stored (compressed for `.gz`).
    pub bytes: u64,
    pub seconds: f64,
    pub matches: u64,
    pub suppressed: u64,
    /// What the state layer decided for the matches.
    pub delivery: Decisions,
    /// Matches folded into digests (storm-guard digests not included).
    pub digested: u64,
    /// Messages each destination would have been sent: alerts and digests,
    /// storm-guard digests included.
    pub sent: BTreeMap<String, u64>,
    /// The same messages by kind, and the alerts storm guards held back.
    pub destinations: BTreeMap<String, Messages>,
}

/// How many matches the state layer decided each way; they add up to the
/// matches. Without the state layer every match counts as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decisions {
    pub sent: u64,
    pub deduplicated: u64,
    #[serde(rename = "below-threshold")]
    pub below_threshold: u64,
    pub shadow: u64,
}

impl Decisions {
    fn add(&mut self, delivery: Delivery) {
        *match delivery {
            Delivery::Sent => &mut self.sent,
            Delivery::Deduplicated => &mut self.deduplicated,
            Delivery::BelowThreshold => &mut self.below_threshold,
            Delivery::Shadow => &mut self.shadow,
        } += 1;
    }

    fn merge(&mut self, other: &Decisions) {
        self.sent += other.sent;
        self.deduplicated += other.deduplicated;
        self.below_threshold += other.below_threshold;
        self.shadow += other.shadow;
    }
}

/// What one destination would have been sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Messages {
    /// Alert messages: first matches, and threshold messages.
    pub alerts: u64,
    /// Digest messages.
    pub digests: u64,
    /// Alerts its storm guard held back (they are counted in its digests).
    pub held: u64,
}

impl Messages {
    fn merge(&mut self, other: &Messages) {
        self.alerts += other.alerts;
        self.digests += other.digests;
        self.held += other.held;
    }

    fn total(&self) -> u64 {
        self.alerts + self.digests
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleReport {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Events the rule matched, outside its excludes.
    pub matches: u64,
    /// Events the rule matched but an `exclude` silenced.
    pub suppressed: u64,
    /// What the state layer decided for the matches.
    pub delivery: Decisions,
    /// Matches folded into the rule's digests.
    pub digested: u64,
    /// Messages each destination would have been sent: alerts and digests.
    pub sent: BTreeMap<String, u64>,
    /// The same messages by kind, and the alerts storm guards held back.
    pub destinations: BTreeMap<String, Messages>,
    /// Matches per event day (`YYYY-MM-DD`); days without matches are absent.
    pub per_day: BTreeMap<String, u64>,
    pub top_principals: Vec<Count>,
    pub top_source_ips: Vec<Count>,
    pub top_accounts: Vec<Count>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    pub value: String,
    pub count: u64,
}

#[derive(Default)]
struct Tally {
    matches: u64,
    suppressed: u64,
    delivery: Decisions,
    digested: u64,
    destinations: BTreeMap<String, Messages>,
    per_day: BTreeMap<String, u64>,
    principals: HashMap<String, u64>,
    source_ips: HashMap<String, u64>,
    accounts: HashMap<String, u64>,
}

/// Collects matches, then [`ReportBuilder::finish`]es into a [`Report`].
pub struct ReportBuilder {
    rules: Vec<(String, String, Severity)>,
    tallies: HashMap<String, Tally>,
    destinations: Vec<String>,
    state: bool,
    /// Storm-guard digests: they belong to a destination, not a rule.
    guard_digests: BTreeMap<String, u64>,
}

/// What a value that is absent is counted as.
const UNKNOWN: &str = "(unknown)";

impl ReportBuilder {
    /// A report over `rules` (every one gets a row, matched or not) with a
    /// `sent` count for each destination; `state` says whether the matches
    /// went through the state layer.
    pub fn new<'a>(
        rules: impl IntoIterator<Item = &'a Rule>,
        destinations: &[String],
        state: bool,
    ) -> Self {
        ReportBuilder {
            rules: rules
                .into_iter()
                .map(|r| (r.id.clone(), r.title.clone(), r.severity))
                .collect(),
            tallies: HashMap::new(),
            destinations: destinations.to_vec(),
            state,
            guard_digests: BTreeMap::new(),
        }
    }

    /// A match, and what became of it.
    pub fn add_match(&mut self, alert: &Alert, fate: &Fate<'_>) {
        let t = self.tallies.entry(alert.rule.id.clone()).or_default();
        t.matches += 1;
        t.delivery
            .add(fate.recorded.map_or(Delivery::Sent, |r| r.delivery));
        for d in &fate.sent_to {
            t.destinations.entry(d.clone()).or_default().alerts += 1;
        }
        for d in &fate.held_by {
            t.destinations.entry(d.clone()).or_default().held += 1;
        }
        let day = alert
            .event_time
            .as_deref()
            .and_then(|t| t.get(..10))
            .unwrap_or(UNKNOWN);
        *t.per_day.entry(day.to_string()).or_default() += 1;
        let bump = |map: &mut HashMap<String, u64>, v: Option<String>| {
            *map.entry(v.unwrap_or_else(|| UNKNOWN.to_string()))
                .or_default() += 1;
        };
        bump(&mut t.principals, alert.principal.display());
        bump(&mut t.source_ips, alert.source_ip.clone());
        bump(&mut t.accounts, alert.account.clone());
    }

    /// A digest message, and the destinations it would have been sent to.
    pub fn add_digest(&mut self, digest: &Digest, sent_to: &[String]) {
        if let DigestKind::Held { .. } = digest.kind {
            for d in sent_to {
                *self.guard_digests.entry(d.clone()).or_default() += 1;
            }
            return;
        }
        let t = self
            .tallies
            .entry(digest.subject.rule_id.clone())
            .or_default();
        t.digested += digest.tally.count;
        for d in sent_to {
            t.destinations.entry(d.clone()).or_default().digests += 1;
        }
    }

    pub fn add_suppressed(&mut self, rule_id: &str) {
        self.tallies
            .entry(rule_id.to_string())
            .or_default()
            .suppressed += 1;
    }

    pub fn finish(
        mut self,
        mut totals: Totals,
        since: Option<String>,
        until: Option<String>,
    ) -> Report {
        let mut days = std::collections::BTreeSet::new();
        let mut rules: Vec<RuleReport> = Vec::with_capacity(self.rules.len());
        for (id, title, severity) in std::mem::take(&mut self.rules) {
            let t = self.tallies.remove(&id).unwrap_or_default();
            days.extend(t.per_day.keys().cloned());
            let mut destinations = t.destinations;
            for d in &self.destinations {
                destinations.entry(d.clone()).or_default();
            }
            let sent = destinations
                .iter()
                .map(|(d, m)| (d.clone(), m.total()))
                .collect();
            totals.matches += t.matches;
            totals.suppressed += t.suppressed;
            totals.delivery.merge(&t.delivery);
            totals.digested += t.digested;
            for (d, m) in &destinations {
                totals.destinations.entry(d.clone()).or_default().merge(m);
            }
            rules.push(RuleReport {
                id,
                title,
                severity,
                matches: t.matches,
                suppressed: t.suppressed,
                delivery: t.delivery,
                digested: t.digested,
                sent,
                destinations,
                per_day: t.per_day,
                top_principals: top(t.principals),
                top_source_ips: top(t.source_ips),
                top_accounts: top(t.accounts),
            });
        }
        for d in &self.destinations {
            totals.destinations.entry(d.clone()).or_default();
        }
        for (d, n) in &self.guard_digests {
            totals.destinations.entry(d.clone()).or_default().digests += n;
        }
        totals.sent = totals
            .destinations
            .iter()
            .map(|(d, m)| (d.clone(), m.total()))
            .collect();
        rules.sort_by(|a, b| {
            (b.matches + b.suppressed)
                .cmp(&(a.matches + a.suppressed))
                .then_with(|| a.id.cmp(&b.id))
        });
        Report {
            schema: SCHEMA_VERSION,
            state: self.state,
            totals,
            since,
            until,
            days: days.into_iter().collect(),
            rules,
        }
    }
}

impl Sink for ReportBuilder {
    fn alert(&mut self, alert: &Alert, fate: &Fate<'_>) {
        self.add_match(alert, fate);
    }

    fn digest(&mut self, digest: &Digest, sent_to: &[String]) {
        self.add_digest(digest, sent_to);
    }
}

/// The [`TOP`] most frequent values, ties in value order so reports compare equal.
fn top(counts: HashMap<String, u64>) -> Vec<Count> {
    let mut all: Vec<Count> = counts
        .into_iter()
        .map(|(value, count)| Count { value, count })
        .collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    all.truncate(TOP);
    all
}

/// `1234567` → `1,234,567`: counts people read at a glance.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as megabytes with one decimal.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rules of the built-in pack, so the test follows the rule type.
    fn two_rules() -> (Rule, Rule) {
        let config = crate::rules::load(&crate::rules::LoadOptions {
            files: Vec::new(),
            builtin: true.into(),
        })
        .unwrap();
        let mut rules = config.rules.into_iter().filter(|r| r.enabled);
        (rules.next().unwrap(), rules.next().unwrap())
    }

    fn alert(rule: &Rule, time: &str, ip: &str) -> Alert {
        let event = serde_json::json!({"detail": {
            "eventTime": time, "sourceIPAddress": ip, "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::111122223333:user/alice"}
        }});
        Alert::build(rule, &event, &crate::rules::Settings::default())
    }

    #[test]
    fn counts_per_rule_day_destination_and_top_values() {
        let (noisy, quiet) = two_rules();
        let dests = vec!["alerts".to_string(), "sms".to_string()];
        let mut b = ReportBuilder::new([&quiet, &noisy], &dests, false);
        let to_alerts = Fate {
            recorded: None,
            sent_to: vec!["alerts".into()],
            held_by: Vec::new(),
        };
        for (t, ip) in [
            ("2026-11-01T10:00:00Z", "198.51.100.1"),
            ("2026-11-01T11:00:00Z", "198.51.100.2"),
            ("2026-11-02T09:00:00Z", "198.51.100.2"),
        ] {
            b.add_match(&alert(&noisy, t, ip), &to_alerts);
        }
        b.add_suppressed(&noisy.id);
        let report = b.finish(Totals::default(), None, None);
        assert_eq!(report.days, ["2026-11-01", "2026-11-02"]);
        let [first, second] = &report.rules[..] else {
            panic!("two rules expected: {report:?}");
        };
        assert_eq!(
            (&first.id, first.matches, first.suppressed),
            (&noisy.id, 3, 1)
        );
        assert_eq!(first.per_day["2026-11-01"], 2);
        assert_eq!(first.sent["alerts"], 3);
        assert_eq!(first.sent["sms"], 0);
        assert_eq!(
            first.top_source_ips[0],
            Count {
                value: "198.51.100.2".into(),
                count: 2
            }
        );
        assert_eq!(
            first.top_principals[0].value,
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!((&second.id, second.matches), (&quiet.id, 0));
        assert_eq!(report.totals.matches, 3);
        assert_eq!(report.totals.sent["alerts"], 3);
        assert_eq!(report.totals.delivery.sent, 3);
        assert_eq!(report.totals.destinations["alerts"].alerts, 3);
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(megabytes(12_345_678), "12.3");
    }
}
