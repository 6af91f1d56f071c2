//! template.yaml's parameters accept what the function accepts.

use cloudtrail_alerts::rules::{self, LoadOptions};

use crate::support::root;

/// `DisabledRules` is checked by CloudFormation before a deploy, so a typo
/// fails the deploy instead of the function's every invocation; its allowed
/// pattern must name every built-in rule, or a team cannot turn off a noisy one.
#[test]
fn disabled_rules_accepts_every_builtin_rule_id() {
    let pack = rules::load(&LoadOptions {
        files: Vec::new(),
        builtin: "all".parse().expect("selection parses"),
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.len() >= 90, "{}", ids.len());
    // Java's regular expressions (CloudFormation's): one id or more, comma
    // separated, no trailing comma.
    let expected = format!(
        "    AllowedPattern: \"^$|^(?!.*,$)(({})(,|$))+$\"",
        ids.join("|")
    );
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template");
    let lines: Vec<&str> = template.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "  DisabledRules:")
        .expect("DisabledRules parameter");
    let actual = lines[start..]
        .iter()
        .find(|l| l.trim_start().starts_with("AllowedPattern:"))
        .expect("AllowedPattern");
    assert!(
        *actual == expected,
        "template.yaml's DisabledRules AllowedPattern is out of step with the pack; use\n{expected}"
    );
}
