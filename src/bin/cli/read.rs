//! Reading every input and evaluating every event, shared by `evaluate` and
//! `render`: directories walked, lookup-events pages opened, documents that
//! are not events reported, and the count of it all for the summary line.

use super::*;

use cloudtrail_alerts::alert::Alert;
use cloudtrail_alerts::cli::Tally;
use cloudtrail_alerts::event::{EventError, Shape};
use cloudtrail_alerts::input::Position;
use cloudtrail_alerts::input::lookup::{self, Kind};

/// What to read and what to count.
pub(super) struct Reading<'a> {
    pub inputs: &'a [PathBuf],
    pub limits: input::Limits,
    /// Print the summary line even when stderr is not a terminal.
    pub summary: bool,
    /// The alerts the command prints (and so counts).
    pub keep: &'a dyn Fn(&Alert) -> bool,
    /// At the end, the printed alerts by delivery (empty without state).
    pub deliveries: &'a dyn Fn() -> BTreeMap<&'static str, u64>,
}

type Emit<'a> = dyn FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()> + 'a;

/// Input errors printed per source; the rest are counted in its summary line.
const SHOWN_ERRORS: u64 = 20;

/// Standard input is a terminal nobody typed into yet: say what is awaited
/// rather than wait in silence.
const STDIN_HINT: &str =
    "cloudtrail-alerts: reading events from standard input; pass files or see --help";

/// Read every input, evaluate every event, and hand the results to `emit`.
/// Errors in one file or record are reported and the run goes on. The
/// summary line goes to stderr when asked for or stderr is a terminal.
pub(super) fn evaluate(
    engine: &Engine,
    reading: &Reading<'_>,
    mut emit: impl FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()>,
    finish: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> u8 {
    let stdin_only = [PathBuf::from("-")];
    let inputs = if reading.inputs.is_empty() {
        &stdin_only[..]
    } else {
        reading.inputs
    };
    if inputs.iter().any(|p| p.as_os_str() == "-") && io::stdin().is_terminal() {
        eprintln!("{STDIN_HINT}");
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    let emit: &mut Emit<'_> = &mut emit;
    let mut code = EXIT_OK;
    for path in expand_directories(inputs, &mut tally) {
        let documents = match input::open(&path) {
            Ok(documents) => documents.with_limits(reading.limits),
            Err(err) => {
                report(&err);
                tally.unreadable += 1;
                continue;
            }
        };
        tally.files += 1;
        let mut source = Source {
            engine,
            keep: reading.keep,
            tally: &mut tally,
            skipped: 0,
        };
        if let Err(err) = source.read(documents, &mut out, emit) {
            code = stdout_failed(&err);
            break;
        }
        source.close(&path);
    }
    if code == EXIT_OK {
        if let Err(err) = finish(&mut out).and_then(|()| out.flush()) {
            code = stdout_failed(&err);
        } else if tally.unreadable > 0 || tally.not_events > 0 {
            code = EXIT_INPUT;
        }
    }
    if reading.summary || io::stderr().is_terminal() {
        tally.deliveries = (reading.deliveries)();
        eprintln!("cloudtrail-alerts: {}", tally.line());
    }
    code
}

/// Directories become the event files below them, in a stable order
/// (digests and hidden files skipped); other inputs stay as given.
fn expand_directories(inputs: &[PathBuf], tally: &mut Tally) -> Vec<PathBuf> {
    let mut files = Vec::with_capacity(inputs.len());
    for path in inputs {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let (items, problems) = source::local::walk(path, &source::Filter::default());
        for problem in problems {
            eprintln!("cloudtrail-alerts: {problem}");
            tally.unreadable += 1;
        }
        files.extend(items.into_iter().filter_map(|i| match i.location {
            source::Location::File(p) => Some(p),
            source::Location::S3 { .. } => None,
        }));
    }
    files
}

/// One input being read.
struct Source<'a> {
    engine: &'a Engine,
    keep: &'a dyn Fn(&Alert) -> bool,
    tally: &'a mut Tally,
    /// Records of this input that could not be read.
    skipped: u64,
}

impl Source<'_> {
    /// Every document of the input; `Err` only when stdout fails.
    fn read(
        &mut self,
        mut documents: input::Documents,
        out: &mut dyn Write,
        emit: &mut Emit<'_>,
    ) -> io::Result<()> {
        // A lookup-events page holds many events in one document; records
        // after it are numbered on, so every event has its own record number.
        let mut shift = 0;
        // Splitting and scanning in one pass halves the work per byte.
        while let Some(scanned) = documents.next_scanned(self.engine.paths()) {
            let scanned = match scanned {
                Ok(scanned) => scanned,
                Err(err) => {
                    // A garbage input would otherwise print a line per record.
                    if err.position().is_some() {
                        self.skipped += 1;
                    }
                    if self.skipped <= SHOWN_ERRORS {
                        report(&err);
                    }
                    self.tally.unreadable += 1;
                    continue;
                }
            };
            let mut document = scanned.document;
            document.position.record += shift;
            if scanned.shape == Shape::Record {
                let result = self.engine.evaluate_scanned(&document.bytes, scanned.view);
                self.emit(result, &document, out, emit)?;
                continue;
            }
            match lookup::classify(&document.bytes) {
                Kind::Event => {
                    let result = self.engine.evaluate_scanned(&document.bytes, scanned.view);
                    self.emit(result, &document, out, emit)?;
                }
                Kind::LookupPage(entries) => {
                    let first = document.position.record;
                    shift += (entries.len() as u64).saturating_sub(1);
                    for (i, entry) in (0u64..).zip(entries) {
                        let position = Position {
                            record: first + i,
                            ..document.position.clone()
                        };
                        match entry {
                            Ok(record) => {
                                let event = Document {
                                    bytes: record.into_bytes(),
                                    position,
                                };
                                let result = self.engine.evaluate_bytes(&event.bytes);
                                self.emit(result, &event, out, emit)?;
                            }
                            Err(reason) => {
                                eprintln!("cloudtrail-alerts: {position}: {reason}");
                                self.tally.not_events += 1;
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
                        "cloudtrail-alerts: {}: not an event (neither an EventBridge event nor \
                         a CloudTrail record; {keys})",
                        document.position
                    );
                    self.tally.not_events += 1;
                }
            }
        }
        Ok(())
    }

    fn emit(
        &mut self,
        result: Result<Evaluation, EventError>,
        document: &Document,
        out: &mut dyn Write,
        emit: &mut Emit<'_>,
    ) -> io::Result<()> {
        match result {
            Ok(evaluation) => {
                self.tally.events += 1;
                for alert in evaluation.alerts.iter().filter(|a| (self.keep)(a)) {
                    self.tally.alert(alert.rule.severity);
                }
                emit(out, &evaluation, document)
            }
            Err(err) => {
                eprintln!(
                    "cloudtrail-alerts: {}: record {} (line {}): {err}",
                    document.position.source, document.position.record, document.position.line
                );
                self.tally.unreadable += 1;
                Ok(())
            }
        }
    }

    /// The count of records not shown, once the input is read.
    fn close(&self, path: &Path) {
        if self.skipped > 0 {
            let unshown = self.skipped.saturating_sub(SHOWN_ERRORS);
            eprintln!(
                "cloudtrail-alerts: {}: {} record{} skipped{}",
                path.display(),
                self.skipped,
                if self.skipped == 1 { "" } else { "s" },
                if unshown > 0 {
                    format!(" ({unshown} not shown)")
                } else {
                    String::new()
                }
            );
        }
    }
}

fn report(err: &InputError) {
    eprintln!("cloudtrail-alerts: {err}");
}
