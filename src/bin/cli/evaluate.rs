//! `evaluate`: one line per alert, in text for a person or JSON for a
//! program, each traceable to the file and record it came from.

use super::*;

use cloudtrail_alerts::alert::Alert;

use read::Reading;

#[derive(clap::Args)]
pub(super) struct EvaluateArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also report matches silenced by an `exclude` pattern (on stderr).
    #[arg(long)]
    show_suppressed: bool,
    /// Show every raw match: no dedup, thresholds or shadow mode (by
    /// default they apply on event time, as in the function, and each
    /// line says its `delivery`).
    #[arg(long)]
    no_state: bool,
    /// Only print alerts of this severity or above (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<Severity>,
    /// Only print alerts of this rule id; repeatable.
    #[arg(long = "rule", value_name = "ID")]
    only_rules: Vec<String>,
    /// Print a one-line count of files, events and alerts on stderr
    /// (always done when stderr is a terminal).
    #[arg(long)]
    summary: bool,
    #[command(flatten)]
    explain: explain::ExplainArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// Event files (.json, .json.gz, NDJSON, lookup-events output) or
    /// directories, read recursively (CloudTrail-Digest and hidden files
    /// skipped); none or - reads standard input.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

pub(super) fn run(args: EvaluateArgs) -> u8 {
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Json
    });
    let keep = |alert: &Alert| {
        args.min_severity
            .is_none_or(|min| alert.rule.severity >= min)
            && (args.only_rules.is_empty() || args.only_rules.contains(&alert.rule.id))
    };
    with_engine(&args.rules, |engine| {
        if let Some(unknown) = unknown_rule(engine, &args.only_rules) {
            eprintln!(
                "cloudtrail-alerts: --rule {unknown}: no enabled rule has this id \
                 (see `cloudtrail-alerts rules`)"
            );
            return EXIT_USAGE;
        }
        let explaining = match args
            .explain
            .explaining(engine, matches!(format, Format::Json))
        {
            Ok(explaining) => explaining,
            Err(code) => return code,
        };
        let printer = Printer {
            format,
            color: use_color(),
            several: args.inputs.len() > 1 || args.inputs.iter().any(|p| p.is_dir()),
            widths: column_widths(engine),
        };
        let replay = RefCell::new((!args.no_state).then(Replay::new));
        let delivered: RefCell<BTreeMap<&'static str, u64>> = RefCell::default();
        let emit = |out: &mut dyn Write, evaluation: &Evaluation, doc: &Document| {
            if args.show_suppressed {
                for s in &evaluation.suppressed {
                    eprintln!(
                        "{}: record {}: {} suppressed by exclude[{}]",
                        doc.position.source, doc.position.record, s.rule_id, s.exclude_index
                    );
                }
            }
            let mut deliveries = Vec::new();
            for alert in evaluation.alerts.iter().filter(|a| keep(a)) {
                let mut replay = replay.borrow_mut();
                let Some(replay) = replay.as_mut() else {
                    printer.alert(out, alert, doc, None)?;
                    continue;
                };
                let (digests, recorded) =
                    replay.record(&render_cmd::policy_of(engine, alert), alert);
                deliveries.push((alert.rule.id.clone(), recorded.delivery.as_str()));
                *delivered
                    .borrow_mut()
                    .entry(recorded.delivery.as_str())
                    .or_default() += 1;
                for d in &digests {
                    printer.digest(out, d)?;
                }
                let threshold = recorded.threshold.as_ref().map(|t| t.tally.count);
                printer.alert(out, alert, doc, Some((recorded.delivery, threshold)))?;
            }
            match &explaining {
                Some(explaining) => explaining.print(out, doc, &deliveries),
                None => Ok(()),
            }
        };
        let finish = |out: &mut dyn Write| {
            if let Some(replay) = replay.borrow_mut().as_mut() {
                for d in replay.finish() {
                    printer.digest(out, &d)?;
                }
            }
            Ok(())
        };
        let reading = Reading {
            inputs: &args.inputs,
            limits: args.limits.limits(),
            summary: args.summary,
            keep: &keep,
            deliveries: &|| delivered.borrow().clone(),
        };
        read::evaluate(engine, &reading, emit, finish)
    })
}

/// How alert and digest lines are written.
struct Printer {
    format: Format,
    color: bool,
    /// More than one file is read: text lines say which file and record.
    several: bool,
    /// Widths of the rule id and title columns.
    widths: (usize, usize),
}

impl Printer {
    /// One alert; `delivery` is what the state layer did with it (none with
    /// `--no-state`).
    fn alert(
        &self,
        out: &mut dyn Write,
        alert: &Alert,
        doc: &Document,
        delivery: Option<(Delivery, Option<u64>)>,
    ) -> io::Result<()> {
        match self.format {
            Format::Json => {
                let mut value = render::summary_json(alert);
                if let Some((delivery, threshold)) = delivery {
                    value["delivery"] = delivery.as_str().into();
                    if let Some(count) = threshold {
                        value["threshold"] = count.into();
                    }
                }
                value["source_file"] = doc.position.source.clone().into();
                value["record"] = doc.position.record.into();
                writeln!(
                    out,
                    "{}",
                    render::sanitize::escape_json_output(value.to_string())
                )
            }
            Format::Text => {
                let (id_width, title_width) = self.widths;
                let mut line = render::text_columns(alert, self.color, id_width, title_width);
                if let Some((delivery, _)) = delivery {
                    line.push_str(&format!(" [{}]", delivery.as_str()));
                }
                if self.several {
                    line.push_str(&format!(
                        "  {}: record {}",
                        render::sanitize::clean(&doc.position.source, 1000),
                        doc.position.record
                    ));
                }
                writeln!(out, "{line}")
            }
        }
    }

    fn digest(&self, out: &mut dyn Write, d: &Digest) -> io::Result<()> {
        match self.format {
            Format::Json => writeln!(out, "{}", digest::json(d)),
            Format::Text => writeln!(out, "{}", digest::text_line(d)),
        }
    }
}

/// The first `--rule` id that names no enabled rule, a typo to refuse
/// rather than print nothing.
fn unknown_rule<'a>(engine: &Engine, ids: &'a [String]) -> Option<&'a str> {
    ids.iter()
        .find(|id| {
            !engine
                .config()
                .rules
                .iter()
                .any(|r| r.enabled && &r.id == *id)
        })
        .map(String::as_str)
}

/// Widths of the rule id and title columns of text output: the longest of
/// the enabled rules, so every line of a run lines up.
fn column_widths(engine: &Engine) -> (usize, usize) {
    let enabled = || engine.config().rules.iter().filter(|r| r.enabled);
    let id = enabled().map(|r| r.id.chars().count()).max().unwrap_or(0);
    let title = enabled()
        .map(|r| r.title.chars().count().min(120))
        .max()
        .unwrap_or(0);
    (id, title)
}
