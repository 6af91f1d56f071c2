//! The index must never change the answer: 1,000 synthetic rules, random events,
//! indexed evaluation compared with checking every rule in turn.

use std::sync::OnceLock;

use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::matcher::RuleSet;
use cloudtrail_alerts::pattern::Pattern;
use cloudtrail_alerts::rules::{Origin, Rule, RuleConfig, Scope};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::testing;
use proptest::prelude::*;
use serde_json::{Value, json};

fn synthetic_pattern(i: usize) -> Value {
    let name = format!("Op{i}");
    match i % 10 {
        0..=4 => json!({"source": ["aws.iam"], "detail": {"eventName": [name]}}),
        5 => json!({"detail": {"eventName": [{"prefix": format!("Op{}", i / 10)}]}}),
        6 => {
            json!({"detail": {"eventName": [name, format!("Op{}", i + 1)], "errorCode": [{"exists": false}]}})
        }
        7 => json!({"$or": [{"detail": {"eventName": [name]}}, {"detail": {"port": [i]}}]}),
        8 => {
            json!({"detail": {"userIdentity": {"type": [{"anything-but": "Root"}]}, "items": {"n": [{"numeric": [">", i]}]}}})
        }
        _ => match i {
            499 => json!({"detail": {"errorCode": [{"exists": false}]}}),
            999 => json!({"detail": {"ip": ["10.0.0.9"]}}),
            _ => {
                json!({"detail": {"eventName": [{"equals-ignore-case": name}], "port": [i as f64 + 0.5]}})
            }
        },
    }
}

fn synthetic_config() -> RuleConfig {
    let rules = (0..1000)
        .map(|i| Rule {
            title: String::new(),
            severity: Severity::Medium,
            exclude: if i % 7 == 0 {
                vec![json!({"detail": {"userIdentity": {"type": ["Root"]}}})]
            } else {
                Vec::new()
            },
            enabled: i % 50 != 3,
            scope: if i % 13 == 0 {
                Scope {
                    accounts: vec!["111".to_string()],
                    regions: Vec::new(),
                }
            } else {
                Scope::default()
            },
            origin: Origin {
                file: "synthetic".to_string(),
                line: i + 1,
            },
            ..testing::rule(&format!("rule-{i}"), synthetic_pattern(i))
        })
        .collect();
    RuleConfig {
        rules,
        ..RuleConfig::default()
    }
}

struct Fixture {
    config: RuleConfig,
    set: RuleSet,
    /// (pattern, excludes) per enabled rule, compiled on their own.
    naive: Vec<(usize, Pattern, Vec<Pattern>)>,
    paths: PathSet,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = synthetic_config();
        let set = RuleSet::compile(&config).expect("synthetic rules compile");
        let mut paths = set.paths().clone();
        let naive = config
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.enabled)
            .map(|(i, r)| {
                let pattern = Pattern::compile(&r.pattern, &mut paths).unwrap();
                let excludes = r
                    .exclude
                    .iter()
                    .map(|x| Pattern::compile(x, &mut paths).unwrap())
                    .collect();
                (i, pattern, excludes)
            })
            .collect();
        assert_eq!(paths.len(), set.paths().len(), "rule set misses a path");
        Fixture {
            config,
            set,
            naive,
            paths,
        }
    })
}

fn naive_firings(f: &Fixture, event: &Value) -> Vec<(String, Option<usize>)> {
    let view = EventView::from_value(event, &f.paths).unwrap();
    let account = event.get("account").and_then(Value::as_str);
    f.naive
        .iter()
        .filter(|(i, pattern, _)| {
            let scope = &f.config.rules[*i].scope;
            let in_scope = scope.accounts.is_empty()
                || account.is_some_and(|a| scope.accounts.iter().any(|s| s == a));
            in_scope && pattern.matches(&view)
        })
        .map(|(i, _, excludes)| {
            (
                f.config.rules[*i].id.clone(),
                excludes.iter().position(|x| x.matches(&view)),
            )
        })
        .collect()
}

fn indexed_firings(f: &Fixture, event: &Value) -> Vec<(String, Option<usize>)> {
    let view = EventView::from_value(event, f.set.paths()).unwrap();
    f.set
        .evaluate(&view)
        .into_iter()
        .map(|x| (x.rule.id.clone(), x.suppressed_by))
        .collect()
}

fn number(n: u32, float: bool) -> Value {
    if float { json!(f64::from(n)) } else { json!(n) }
}

prop_compose! {
    fn event()(
        op in 0u32..1100,
        upper in any::<bool>(),
        source in prop::sample::select(vec!["aws.iam", "aws.ec2"]),
        account in prop::sample::select(vec!["111", "222"]),
        error in prop::option::of("[A-Z][a-z]{0,4}"),
        kind in prop::sample::select(vec!["Root", "IAMUser"]),
        port in prop::option::of((0u32..1100, any::<bool>())),
        half in any::<bool>(),
        items in prop::collection::vec(0u32..1100, 0..3),
        ip in prop::sample::select(vec!["10.0.0.9", "010.0.0.9", "10.0.0.10"]),
    ) -> Value {
        let name = if upper { format!("OP{op}") } else { format!("Op{op}") };
        let mut detail = json!({
            "eventName": name,
            "userIdentity": {"type": kind},
            "items": items.iter().map(|n| json!({"n": n})).collect::<Vec<_>>(),
            "ip": ip,
        });
        if let Some(e) = error {
            detail["errorCode"] = json!(e);
        }
        if let Some((p, float)) = port {
            detail["port"] = if half { json!(f64::from(p) + 0.5) } else { number(p, float) };
        }
        json!({"source": source, "account": account, "detail": detail})
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn index_gives_the_same_firings_as_checking_every_rule(event in event()) {
        let f = fixture();
        prop_assert_eq!(indexed_firings(f, &event), naive_firings(f, &event));
    }
}

#[test]
fn the_synthetic_rules_do_fire() {
    // Guards the equivalence test against a fixture where nothing ever matches.
    let f = fixture();
    let event = json!({
        "source": "aws.iam", "account": "111",
        "detail": {"eventName": "Op70", "userIdentity": {"type": "IAMUser"},
                   "items": [{"n": 900}], "port": 77, "ip": "10.0.0.9"}
    });
    let fired = indexed_firings(f, &event);
    let ids: Vec<&str> = fired.iter().map(|(id, _)| id.as_str()).collect();
    for expected in [
        "rule-70", "rule-75", "rule-77", "rule-8", "rule-999", "rule-499",
    ] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }
    assert_eq!(fired, naive_firings(f, &event));
}
