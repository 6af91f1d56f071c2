//! Reading every input and evaluating every event, shared by `evaluate` and `render`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use super::{EXIT_INPUT, EXIT_OK, stdout_failed};
use crate::engine::{Engine, Evaluation};
use crate::input::{self, Document, InputError};

type Emit<'a> = dyn FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()> + 'a;

/// Read every input, evaluate every event, and hand the results to `emit`.
/// Errors in one file or record are reported and the run goes on.
pub(crate) fn evaluate(
    engine: &Engine,
    inputs: &[PathBuf],
    mut emit: impl FnMut(&mut dyn Write, &Evaluation, &Document) -> io::Result<()>,
) -> u8 {
    let stdin_only = [PathBuf::from("-")];
    let inputs = if inputs.is_empty() {
        &stdin_only[..]
    } else {
        inputs
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let emit: &mut Emit<'_> = &mut emit;
    for path in inputs {
        let documents = match input::open(path) {
            Ok(documents) => documents,
            Err(err) => {
                report(&err);
                failed = true;
                continue;
            }
        };
        let mut documents = documents;
        // Splitting and scanning in one pass halves the work per byte.
        while let Some(scanned) = documents.next_scanned(engine.paths()) {
            let (document, view) = match scanned {
                Ok(scanned) => (scanned.document, scanned.view),
                Err(err) => {
                    report(&err);
                    failed = true;
                    continue;
                }
            };
            match engine.evaluate_view(&document.bytes, &view) {
                Ok(evaluation) => {
                    if let Err(err) = emit(&mut out, &evaluation, &document) {
                        return stdout_failed(&err);
                    }
                }
                Err(err) => {
                    eprintln!(
                        "cloudtrail-alerts: {}: record {} (line {}): {err}",
                        document.position.source, document.position.record, document.position.line
                    );
                    failed = true;
                }
            }
        }
    }
    if let Err(err) = out.flush() {
        return stdout_failed(&err);
    }
    if failed { EXIT_INPUT } else { EXIT_OK }
}

fn report(err: &InputError) {
    eprintln!("cloudtrail-alerts: {err}");
}
