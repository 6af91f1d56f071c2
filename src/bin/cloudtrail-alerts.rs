//! `cloudtrail-alerts`: evaluate CloudTrail events against alert rules on your
//! own machine, preview the exact SNS messages, test event patterns offline
//! and validate rule files.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use cloudtrail_alerts::cli;
#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/evaluate.rs"]
mod evaluate;
#[path = "cli/explain.rs"]
mod explain;
#[path = "cli/read.rs"]
mod read;
#[path = "cli/render.rs"]
mod render_cmd;
#[path = "cli/replay.rs"]
mod replay;

use cloudtrail_alerts::config::{ROUTING_VARIABLES, routing_from_vars};
use cloudtrail_alerts::decide::{self, Delivery, Digest, Policy};
use cloudtrail_alerts::engine::{Engine, Evaluation};
use cloudtrail_alerts::input::{self, Document, InputError};
use cloudtrail_alerts::pattern::{TestPatternError, test_event_pattern};
use cloudtrail_alerts::render::{self, digest};
use cloudtrail_alerts::routing::Router;
use cloudtrail_alerts::rule_test;
use cloudtrail_alerts::rules::{self, LoadOptions};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::source;
use cloudtrail_alerts::state::replay::Replay;

/// Every input was read and evaluated.
const EXIT_OK: u8 = 0;
/// Some input could not be read; the rest was still evaluated.
const EXIT_INPUT: u8 = 1;
/// Usage error or invalid rules: nothing was evaluated.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "cloudtrail-alerts",
    version,
    about = "Alert on AWS CloudTrail events with rules written as EventBridge event patterns.",
    long_about = "Alert on AWS CloudTrail events with rules written as EventBridge event patterns.\n\n\
        Events can be EventBridge events, bare CloudTrail records, CloudTrail log files as \
        delivered to S3 ({\"Records\": [...]}, also .json.gz), or newline-delimited JSON of any \
        of these. The built-in rule pack (CIS AWS Foundations monitoring controls and more) is \
        always on unless --no-builtin is given; add or tune rules with --rules FILE.",
    // Examples sit in the template, not in after_help: clap wraps after_help
    // to the terminal, and a wrapped command no longer pastes.
    help_template = "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\n\
        Examples:\n  \
        cloudtrail-alerts evaluate events/*.json\n  \
        cloudtrail-alerts evaluate --summary --min-severity high ./AWSLogs\n  \
        cloudtrail-alerts evaluate --rules my-rules.yaml 111122223333_CloudTrail_us-east-1_*.json.gz\n  \
        cloudtrail-alerts evaluate lookup.json\n  \
        cloudtrail-alerts replay --since 7d --report html report.html ./AWSLogs\n  \
        cloudtrail-alerts render events/root-console-login.json\n  \
        cloudtrail-alerts test-event-pattern --event-pattern file://pattern.json --event events/vpc-create.json\n  \
        cloudtrail-alerts validate my-rules.yaml\n  \
        cloudtrail-alerts rules --rules my-rules.yaml\n"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct RuleArgs {
    /// A rule/config file (YAML or JSON) to load after the built-in pack; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack (same as --builtin none).
    #[arg(long, conflicts_with = "builtin")]
    no_builtin: bool,
    /// Built-in rules to turn on: default (the rules on by default), all,
    /// none, or a comma-separated list of rule ids and tags, e.g.
    /// default,credential-access [default: default].
    #[arg(long, value_name = "SELECTION")]
    builtin: Option<rules::BuiltinSelection>,
}

impl RuleArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            files: self.rules.clone(),
            builtin: if self.no_builtin {
                rules::BuiltinSelection::None
            } else {
                self.builtin.clone().unwrap_or_default()
            },
        }
    }
}

#[derive(clap::Args)]
struct LimitArgs {
    /// Largest event read; a larger one is reported and skipped (bytes, or
    /// with K, M or G).
    #[arg(long, value_name = "SIZE", default_value = "4M", value_parser = parse_size)]
    max_event_size: u64,
    /// Most bytes one gzip input may decompress to; past it the rest of that
    /// input is reported as unreadable (bytes, or with K, M or G).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    max_input_size: u64,
}

impl LimitArgs {
    fn limits(&self) -> input::Limits {
        input::Limits {
            max_document: usize::try_from(self.max_event_size).unwrap_or(usize::MAX),
            max_decompressed: self.max_input_size,
        }
    }
}

/// `123`, `64K`, `4M`, `2G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.as_bytes().last() {
        Some(b'K' | b'k') => (&text[..text.len() - 1], 10),
        Some(b'M' | b'm') => (&text[..text.len() - 1], 20),
        Some(b'G' | b'g') => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (bytes, or a number with K, M or G)"))?;
    n.checked_mul(1 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{text:?} is out of range"))
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per alert (the default when stdout is not a terminal).
    Json,
    /// One readable, coloured line per alert (the default on a terminal).
    Text,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    /// Aligned columns: settings and where each comes from.
    Text,
    /// One JSON object per rule (fields in docs/cli.md).
    Json,
    /// The built-in rules' tables as README.md and docs/rules.md show them.
    Markdown,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate events and print one line per alert.
    ///
    /// Reads each INPUT (a file, a .gz file, a directory tree, or - for standard
    /// input; standard input when none is given). A file or record that cannot
    /// be read, or a JSON object that is not an event, is reported on stderr
    /// with its file and record number and the run goes on; the exit code is
    /// then 1.
    Evaluate(evaluate::EvaluateArgs),
    /// Print, one JSON line per alert and destination, the exact SNS Publish
    /// request the Lambda function would send.
    ///
    /// Routing is the function's: ALERT_TOPIC_ARN, ALERT_MIN_SEVERITY,
    /// SMS_TOPIC_ARN, SMS_MIN_SEVERITY and EXTRA_DESTINATIONS are read from the
    /// environment and checked as the function checks them; the options below
    /// take precedence over the variable they name.
    Render {
        #[command(flatten)]
        rules: RuleArgs,
        /// Topic ARN of the main destination (ALERT_TOPIC_ARN) [default:
        /// arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts].
        #[arg(long, value_name = "ARN")]
        topic_arn: Option<String>,
        /// Least severity sent to the main topic (ALERT_MIN_SEVERITY) [default: info].
        #[arg(long, value_name = "SEVERITY")]
        min_severity: Option<Severity>,
        /// Topic ARN of an SMS destination, if any (SMS_TOPIC_ARN).
        #[arg(long, value_name = "ARN")]
        sms_topic_arn: Option<String>,
        /// Least severity sent to the SMS topic (SMS_MIN_SEVERITY) [default: critical].
        #[arg(long, value_name = "SEVERITY")]
        sms_min_severity: Option<Severity>,
        /// Every match as its own message: no dedup, thresholds, shadow mode or digests.
        #[arg(long)]
        no_state: bool,
        /// Print a one-line count of files, events and alerts on stderr
        /// (always done when stderr is a terminal).
        #[arg(long)]
        summary: bool,
        #[command(flatten)]
        explain: explain::ExplainArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Event files (.json, .json.gz, NDJSON, lookup-events output) or
        /// directories, read recursively; none or - reads standard input.
        #[arg(value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Replay a CloudTrail archive (directory trees or s3://BUCKET/PREFIX)
    /// against the rules, on every core, and report what would have been sent.
    ///
    /// Prints a report: per rule, matches, alerts sent per destination, per-day
    /// counts and top principals, source IPs and accounts. Exit 1 when a source,
    /// file or record was skipped (each is reported on stderr), 2 on a usage error.
    Replay(replay::ReplayArgs),
    /// Test an event pattern against an event, offline: the twin of
    /// `aws events test-event-pattern`.
    ///
    /// Prints {"Result": true} or {"Result": false}. An invalid pattern exits
    /// with 2 and "Event pattern is not valid. Reason: ..." on stderr.
    TestEventPattern {
        /// The pattern as JSON text, file://PATH or PATH.
        #[arg(long, value_name = "JSON|file://PATH|PATH")]
        event_pattern: String,
        /// The event as JSON text, file://PATH or PATH.
        #[arg(long, value_name = "JSON|file://PATH|PATH")]
        event: String,
    },
    /// Validate rule/config files: report every error with file, line and
    /// rule id; exit 2 if there is any. With no FILE, validates the built-in pack.
    Validate {
        /// Rule/config files, checked together with the built-in pack.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Treat warnings (a rule the deployed pre-filter hides, a rule
        /// without `source`) as errors: exit 2.
        #[arg(long)]
        strict: bool,
    },
    /// Print the EventBridge pre-filter pattern (JSON) that passes every event
    /// the rules can match, for the EventsRule of template.yaml.
    ///
    /// Successful read-only calls are dropped except those some rule names
    /// (eventSource and eventName); rules that match read-only calls they do
    /// not name are reported on stderr. Exits 1 if the pattern is larger than
    /// EventBridge's 2048-character limit.
    Prefilter {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Run the tests of every active rule and print a pass/fail table.
    ///
    /// A rule's tests are its `tests:` (events inline or in files next to the
    /// rule file); the built-in rules' are their fixtures,
    /// FIXTURES/<rule-id>/match/*.json (must alert) and no-match/*.json (must
    /// not), read from a source checkout. Exits 1 if any test fails.
    Test {
        #[command(flatten)]
        rules: RuleArgs,
        /// The built-in rules' fixture directory [default: tests/fixtures, if
        /// it exists; without it the built-in rules are not tested].
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// List the active rules: severity, status, scope, excludes, tags and
    /// delivery, each with the file and line that set it.
    Rules {
        #[command(flatten)]
        rules: RuleArgs,
        /// Also list disabled rules.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Evaluate(args) => evaluate::run(args),
        Command::Render {
            rules,
            topic_arn,
            min_severity,
            sms_topic_arn,
            sms_min_severity,
            no_state,
            explain,
            summary,
            limits,
            inputs,
        } => {
            let flags = [
                ("ALERT_TOPIC_ARN", topic_arn),
                (
                    "ALERT_MIN_SEVERITY",
                    min_severity.map(|s| s.as_str().to_string()),
                ),
                ("SMS_TOPIC_ARN", sms_topic_arn),
                (
                    "SMS_MIN_SEVERITY",
                    sms_min_severity.map(|s| s.as_str().to_string()),
                ),
            ];
            match render_cmd::render_router(flags) {
                Ok(router) => with_engine(&rules, |engine| {
                    let explaining = match explain.explaining(engine, true) {
                        Ok(explaining) => explaining,
                        Err(code) => return code,
                    };
                    let reading = read::Reading {
                        inputs: &inputs,
                        limits: limits.limits(),
                        summary,
                        keep: &|_| true,
                        deliveries: &BTreeMap::new,
                    };
                    let run = render_cmd::Run {
                        no_state,
                        explaining: explaining.as_ref(),
                    };
                    match render_cmd::with_rule_routes(router, engine) {
                        Ok(router) => render_cmd::render_requests(engine, &router, &reading, run),
                        Err(message) => {
                            eprintln!("cloudtrail-alerts: {message}");
                            EXIT_USAGE
                        }
                    }
                }),
                Err(message) => {
                    eprintln!("cloudtrail-alerts: {message}");
                    EXIT_USAGE
                }
            }
        }
        Command::Replay(args) => replay::run(args),
        Command::TestEventPattern {
            event_pattern,
            event,
        } => commands::test_pattern(&event_pattern, &event),
        Command::Validate { files, strict } => commands::validate(&files, strict),
        Command::Prefilter { rules } => commands::prefilter(&rules),
        Command::Test { rules, fixtures } => commands::run_tests(&rules, fixtures),
        Command::Rules {
            rules,
            all: _,
            format: RulesFormat::Markdown,
        } => commands::rules_markdown(&rules),
        Command::Rules { rules, all, format } => {
            commands::list_rules(&rules, all, matches!(format, RulesFormat::Json))
        }
    };
    ExitCode::from(code)
}

/// Colour only for a person at a terminal: `--format text > report.txt` or
/// `| grep` must not get escape codes. `NO_COLOR` turns it off everywhere.
fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn with_engine(args: &RuleArgs, run: impl FnOnce(&Engine) -> u8) -> u8 {
    match Engine::load(&args.options()) {
        Ok(engine) => run(&engine),
        Err(err) => {
            eprintln!("cloudtrail-alerts: {err}");
            EXIT_USAGE
        }
    }
}

/// A closed pipe (`| head`) is a normal way to stop reading; anything else is an error.
fn stdout_failed(err: &io::Error) -> u8 {
    if err.kind() == io::ErrorKind::BrokenPipe {
        EXIT_OK
    } else {
        eprintln!("cloudtrail-alerts: writing output: {err}");
        EXIT_INPUT
    }
}
