//! The rule tables in the docs are generated: they cannot drift from the pack.

use crate::support::cli::run;
use crate::support::root;

/// The rule tables in README.md and docs/rules.md are the generated ones, so
/// the docs list every built-in rule with its current severity and default.
#[test]
fn committed_rule_tables_equal_the_generated_ones() {
    let run = run(&["rules", "--all", "--format", "markdown"]);
    run.assert_code(0);
    let generated = run.stdout.trim_end();
    let pack = cloudtrail_alerts::rules::load(&cloudtrail_alerts::rules::LoadOptions {
        files: Vec::new(),
        builtin: "all".parse().expect("selection"),
    })
    .expect("pack loads");
    for rule in &pack.rules {
        assert!(
            generated.contains(&format!("| `{}` |", rule.id)),
            "{} missing",
            rule.id
        );
    }
    for doc in ["README.md", "docs/rules.md"] {
        let text = std::fs::read_to_string(root().join(doc)).expect("doc readable");
        let begin = text.find(cloudtrail_alerts::cli::TABLES_BEGIN);
        let end = text.find(cloudtrail_alerts::cli::TABLES_END);
        let (Some(begin), Some(end)) = (begin, end) else {
            panic!("{doc} has no generated rule tables");
        };
        let committed = &text[begin..end + cloudtrail_alerts::cli::TABLES_END.len()];
        assert_eq!(
            committed, generated,
            "{doc}: the rule tables differ; replace them with `cloudtrail-alerts rules --all --format markdown`"
        );
    }
}
