//! The integration tests, as one test binary: the crate (and, with the
//! `lambda` feature, the AWS SDK) is linked once instead of once per file.
//! Run one area with a filter, e.g. `cargo nextest run -E 'test(/^pattern_/)'`.

mod support;

mod builtin_pack;
mod builtin_selection;
mod cli_commands;
mod cli_evaluate;
mod cli_explain;
mod cli_filters;
mod cli_inputs;
mod cli_no_panic;
mod cli_replay;
mod cli_replay_state;
mod cli_rules;
mod cli_state;
mod cli_test_command;
mod cli_test_pattern;
mod cli_validate_lint;
mod docs_rule_tables;
mod input_errors;
mod input_no_panic;
mod input_shapes;
#[cfg(feature = "lambda")]
mod lambda_binary;
#[cfg(feature = "lambda")]
mod lambda_events;
#[cfg(feature = "lambda")]
mod lambda_sns;
#[cfg(feature = "lambda")]
mod lambda_sns_faults;
mod matcher_index;
mod matcher_rules;
mod memory;
mod pattern_boundaries;
mod pattern_fuzz;
mod pattern_invalid;
mod pattern_operators;
mod prefilter_deployed;
mod render_golden;
mod render_hostile;
mod render_props;
mod render_schema;
#[cfg(feature = "s3")]
mod replay_s3;
#[cfg(feature = "lambda")]
mod routes_parity;
mod rules_fuzz;
mod rules_loading;
mod scan_cases;
mod scan_equivalence;
mod scan_samples;
mod setup_hints;
#[cfg(feature = "lambda")]
mod state_dynamodb;
#[cfg(feature = "lambda")]
mod state_handler;
#[cfg(feature = "lambda")]
mod state_lambda_binary;
mod template_params;

/// Without the `lambda` feature the function's tests (the `lambda_*`
/// modules) are not built, and a green run would hide that they never ran.
/// Fail instead, unless the run says it means to leave them out.
#[cfg(not(feature = "lambda"))]
#[test]
fn lambda_tests_are_built() {
    assert!(
        std::env::var_os("SKIP_LAMBDA_TESTS").is_some_and(|v| v == "1"),
        "built without the `lambda` feature: the Lambda tests (lambda_binary, \
         lambda_events, lambda_sns) were left out. Run `make unit` (or `cargo nextest run`) \
         for every test, or set SKIP_LAMBDA_TESTS=1 to leave them out on purpose."
    );
}
