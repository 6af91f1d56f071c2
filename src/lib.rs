//! cloudtrail-alerts: evaluate AWS CloudTrail events against alert rules written
//! in the EventBridge event-pattern language, and render the alerts for people.
//!
//! The flow, one module a step:
//! `input` (bytes → documents) → `event` (document → the leaves rules look at)
//! → `matcher` (compiled rule set, indexed) → `alert` (what fired, with the facts
//! a person needs) → `decide` (dedup, thresholds, shadow, storm guard, over the
//! `state` port) → `routing` (which destinations take it) → `render` (subject,
//! email, SMS, chat, JSON, digest for one destination) → `publish` (SNS).
//! `pattern` is the EventBridge pattern language itself and `rules` the rule
//! files, settings and the built-in pack. `engine` ties the pure steps together.
//! `source` finds the files of an archive (directory trees, S3 prefixes in
//! CloudTrail's layout), `replay` runs an archive through the engine on every
//! core, `delivery` decides its matches in event-time order as the function
//! would have, and `report` sums up what a replay found.
//! `config` reads the function's environment and `metrics` writes its metrics;
//! both build without the `lambda` feature, so the CLI shares them.
//! `handler` (one invocation) and `publish` (the SNS client) need the AWS SDK.

pub mod alert;
pub mod aws_ids;
pub mod cli;
pub mod config;
pub mod decide;
pub mod delivery;
pub mod engine;
pub mod event;
pub mod explain;
pub mod input;
mod json_lex;
pub mod matcher;
pub mod metrics;
pub mod pattern;
pub mod prefilter;
pub mod render;
pub mod replay;
pub mod report;
pub mod routing;
pub mod rule_list;
pub mod rule_test;
pub mod rules;
pub mod severity;
pub mod source;
pub mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(feature = "lambda")]
pub mod handler;
#[cfg(feature = "lambda")]
pub mod publish;
