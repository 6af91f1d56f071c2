//! Reading every input and evaluating every event, shared by `evaluate` and
//! `render`, with the count of what was read for the summary line.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use super::{EXIT_INPUT, EXIT_OK, stdout_failed, walk};
use crate::alert::Alert;
use crate::engine::{Engine, Evaluation};
use crate::event::Shape;
use crate::input::lookup::{self, Kind};
use crate::input::{self, Document, InputError, Position};
use crate::severity::Severity;

type Emit<'a> = dyn FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()> + 'a;

/// What a run read and found, for the summary line.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    files: u64,
    events: u64,
    not_events: u64,
    unreadable: u64,
    alerts: BTreeMap<Severity, u64>,
}

impl Tally {
    /// One line: files, events, what was not an event or not readable, and
    /// the alerts by severity (most severe first), or that there were none.
    pub(crate) fn line(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{}, {} read",
            plural(self.files, "file", "files"),
            plural(self.events, "event", "events")
        );
        if self.not_events > 0 {
            line.push_str(&format!(", {} not recognised", self.not_events));
        }
        if self.unreadable > 0 {
            line.push_str(&format!(", {} unreadable", self.unreadable));
        }
        let alerts: Vec<String> = self
            .alerts
            .iter()
            .rev()
            .map(|(severity, n)| format!("{n} {}", severity.as_str()))
            .collect();
        if alerts.is_empty() {
            line.push_str("; no alerts");
        } else {
            let total: u64 = self.alerts.values().sum();
            line.push_str(&format!(
                "; {}: {}",
                plural(total, "alert", "alerts"),
                alerts.join(", ")
            ));
        }
        line
    }
}

/// Standard input is a terminal nobody typed into yet: say what is awaited
/// rather than wait in silence.
const STDIN_HINT: &str =
    "cloudtrail-alerts: reading events from standard input; pass files or see --help";

/// Read every input, evaluate every event, and hand the results to `emit`.
/// Errors in one file or record are reported and the run goes on. The
/// summary line goes to stderr when `summary` says so or stderr is a terminal.
pub(crate) fn evaluate(
    engine: &Engine,
    inputs: &[PathBuf],
    summary: bool,
    keep: &dyn Fn(&Alert) -> bool,
    mut emit: impl FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()>,
) -> u8 {
    let stdin_only = [PathBuf::from("-")];
    let inputs = if inputs.is_empty() {
        &stdin_only[..]
    } else {
        inputs
    };
    if inputs.iter().any(|p| p.as_os_str() == "-") && io::stdin().is_terminal() {
        eprintln!("{STDIN_HINT}");
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    let emit: &mut Emit<'_> = &mut emit;
    let mut code = EXIT_OK;
    for path in walk::expand(inputs) {
        let read = path.and_then(|path| input::open(&path));
        let documents = match read {
            Ok(documents) => documents,
            Err(err) => {
                report(&err);
                tally.unreadable += 1;
                continue;
            }
        };
        tally.files += 1;
        if let Err(err) = evaluate_source(engine, documents, &mut out, emit, keep, &mut tally) {
            code = stdout_failed(&err);
            break;
        }
    }
    if code == EXIT_OK {
        if let Err(err) = out.flush() {
            code = stdout_failed(&err);
        }
        if tally.unreadable > 0 || tally.not_events > 0 {
            code = EXIT_INPUT;
        }
    }
    if summary || io::stderr().is_terminal() {
        eprintln!("cloudtrail-alerts: {}", tally.line());
    }
    code
}

/// Every document of one source; `Err` only when stdout fails.
fn evaluate_source(
    engine: &Engine,
    mut documents: input::Documents,
    out: &mut dyn Write,
    emit: &mut Emit<'_>,
    keep: &dyn Fn(&Alert) -> bool,
    tally: &mut Tally,
) -> io::Result<()> {
    let mut emit_one = |result, document: &Document, out: &mut dyn Write, tally: &mut Tally| {
        emit_one(result, document, out, emit, keep, tally)
    };
    // A lookup-events page holds many events in one document; records after
    // it are numbered on, so every event has its own record number.
    let mut shift = 0;
    // Splitting and scanning in one pass halves the work per byte.
    while let Some(scanned) = documents.next_scanned(engine.paths()) {
        let scanned = match scanned {
            Ok(scanned) => scanned,
            Err(err) => {
                report(&err);
                tally.unreadable += 1;
                continue;
            }
        };
        let mut document = scanned.document;
        document.position.record += shift;
        if scanned.shape == Shape::Record {
            let result = engine.evaluate_view(&document.bytes, &scanned.view);
            emit_one(result, &document, out, tally)?;
            continue;
        }
        match lookup::classify(&document.bytes) {
            Kind::Event => {
                let result = engine.evaluate_view(&document.bytes, &scanned.view);
                emit_one(result, &document, out, tally)?;
            }
            Kind::LookupPage(entries) => {
                let first = document.position.record;
                shift += (entries.len() as u64).saturating_sub(1);
                for (i, entry) in entries.into_iter().enumerate() {
                    let position = Position {
                        record: first + i as u64,
                        ..document.position.clone()
                    };
                    match entry {
                        Ok(record) => {
                            let event = Document {
                                bytes: record.into_bytes(),
                                position,
                            };
                            let result = engine.evaluate_bytes(&event.bytes);
                            emit_one(result, &event, out, tally)?;
                        }
                        Err(reason) => {
                            eprintln!("cloudtrail-alerts: {position}: {reason}");
                            tally.not_events += 1;
                        }
                    }
                }
            }
            Kind::NotAnEvent { keys } => {
                let keys = if keys.is_empty() {
                    "no keys".to_string()
                } else {
                    format!("keys: {}", keys.join(", "))
                };
                eprintln!(
                    "cloudtrail-alerts: {}: not an event (neither an EventBridge event nor a \
                     CloudTrail record; {keys})",
                    document.position
                );
                tally.not_events += 1;
            }
        }
    }
    Ok(())
}

fn emit_one(
    result: Result<Evaluation, crate::event::EventError>,
    document: &Document,
    out: &mut dyn Write,
    emit: &mut Emit<'_>,
    keep: &dyn Fn(&Alert) -> bool,
    tally: &mut Tally,
) -> io::Result<()> {
    match result {
        Ok(evaluation) => {
            tally.events += 1;
            for alert in evaluation.alerts.iter().filter(|a| keep(a)) {
                *tally.alerts.entry(alert.rule.severity).or_default() += 1;
            }
            emit(out, &evaluation, document)
        }
        Err(err) => {
            eprintln!("cloudtrail-alerts: {}: {err}", document.position);
            tally.unreadable += 1;
            Ok(())
        }
    }
}

fn report(err: &InputError) {
    eprintln!("cloudtrail-alerts: {err}");
}
