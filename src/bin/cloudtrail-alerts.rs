//! `cloudtrail-alerts`: evaluate CloudTrail events against alert rules on your
//! own machine, preview the exact SNS messages, test event patterns offline
//! and validate rule files.

use std::process::ExitCode;

use clap::Parser;

use cloudtrail_alerts::cli::{Cli, run};

fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}
