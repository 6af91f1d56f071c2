//! Peak memory stays proportional to the input, whatever its shape: arrays
//! nested deep on a path the rules read, a huge string, a large event
//! through the function's handler. Each case's peak RSS is bounded above the
//! same program's peak on the unmodified sample event, by a multiple of the
//! input's size.
//!
//! A process starts with the peak of the process that spawned it (the
//! kernel carries the old address space's high-water mark across `exec`),
//! so a test process holding a 50 MB input would inflate what it measures.
//! The CLI is therefore started by a small child (this test binary, running
//! only `cli_case`), which reads the CLI's own peak from `wait4`; the
//! handler's case reads its own `VmHWM` after `exec` gave it a fresh one.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::cli::{self, BIN};
use crate::support::peak::{self, Measured};
use crate::support::{read_json, root};

/// A realistic event that fires a built-in rule; the cases grow it.
const SAMPLE: &str = "events/security-group-ingress-open.json";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const CLI_ARGS: &str = "CLOUDTRAIL_ALERTS_MEMORY_CLI_ARGS";
const CLI_OUT: &str = "CLOUDTRAIL_ALERTS_MEMORY_CLI_OUT";

/// `evaluate --format json EXTRA FILE`, started by `cli_case`.
fn evaluate(file: &str, extra: &[&str]) -> Measured {
    let mut args = vec!["evaluate", "--format", "json"];
    args.extend(extra);
    args.push(file);
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["memory::cli_case", "--exact", "--ignored", "--nocapture"])
        .env(CLI_ARGS, serde_json::to_string(&args).unwrap())
        .env(CLI_OUT, out.path());
    let case = peak::run(&mut cmd);
    assert_eq!(case.code, 0, "{case:?}");
    let field = |name: &str| -> i64 {
        case.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} from cli_case: {case:?}"))
    };
    let stdout = std::fs::read_to_string(out.path()).unwrap();
    let stderr = std::fs::read_to_string(out.path().with_extension("err")).unwrap_or_default();
    Measured {
        code: i32::try_from(field("code=")).unwrap(),
        stdout,
        stderr,
        peak_kib: u64::try_from(field("peak_kib=")).unwrap(),
    }
}

/// Runs only as a child of `evaluate`: the CLI with the arguments it was
/// given, its output into files, its peak RSS printed.
#[test]
#[ignore = "run by the memory tests in a process of its own"]
fn cli_case() {
    let args: Vec<String> = serde_json::from_str(&std::env::var(CLI_ARGS).unwrap()).unwrap();
    let out = std::path::PathBuf::from(std::env::var(CLI_OUT).unwrap());
    let mut cmd = Command::new(BIN);
    cmd.current_dir(root()).args(&args);
    let run = peak::run(&mut cmd);
    std::fs::write(&out, &run.stdout).unwrap();
    std::fs::write(out.with_extension("err"), &run.stderr).unwrap();
    println!("code={}", run.code);
    println!("peak_kib={}", run.peak_kib);
}

/// The rules that fired, one per alert line.
fn rules(run: &Measured) -> Vec<String> {
    cli::Run {
        code: run.code,
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
    }
    .rules()
}

/// `sample` with its `detail.eventName` replaced by `nest`: `depth` arrays,
/// the innermost holding the real name and then `"x"` until the event is
/// about `bytes` long. Every element is a leaf on a path the rules read.
fn deep_arrays(sample: &Value, depth: usize, bytes: usize) -> String {
    let mut event = sample.clone();
    let name = event["detail"]["eventName"].as_str().unwrap().to_string();
    event["detail"]["eventName"] = Value::String("@NEST@".into());
    let text = serde_json::to_string(&event).unwrap();
    let fill = bytes.saturating_sub(text.len() + 2 * depth) / 4;
    let mut nest = "[".repeat(depth);
    nest.push_str(&serde_json::to_string(&name).unwrap());
    nest.push_str(&",\"x\"".repeat(fill));
    nest.push_str(&"]".repeat(depth));
    text.replacen("\"@NEST@\"", &nest, 1)
}

/// `sample` with a `mib` MiB `errorMessage`: a path the rules read, shown in
/// the alert and kept in the record.
fn huge_string(sample: &Value, mib: usize) -> String {
    let mut event = sample.clone();
    event["detail"]["errorMessage"] = Value::String("A".repeat(mib << 20));
    serde_json::to_string(&event).unwrap()
}

/// Peak RSS of the CLI on the unmodified sample, in KiB: what the program
/// needs whatever the input (code, rules, buffers).
fn base_kib(dir: &Path) -> u64 {
    let sample = std::fs::read_to_string(root().join(SAMPLE)).unwrap();
    let file = write(dir, "sample.json", &sample);
    let run = evaluate(&file, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!rules(&run).is_empty(), "the sample fires");
    run.peak_kib
}

#[test]
fn arrays_nested_120_deep_take_memory_proportional_to_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let sample = read_json(&root().join(SAMPLE));
    let text = deep_arrays(&sample, 120, 700 * 1024);
    let file = write(dir.path(), "deep.json", &text);
    let base = base_kib(dir.path());
    let run = evaluate(&file, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The real name is among the leaves: the rule still fires.
    assert!(
        rules(&run).contains(&"security-group-change".to_string()),
        "{:?}",
        rules(&run)
    );
    let input_kib = text.len() as u64 / 1024;
    let used = run.peak_kib.saturating_sub(base);
    eprintln!(
        "{input_kib} KiB, arrays 120 deep: peak {} KiB, {used} KiB above the sample's",
        run.peak_kib
    );
    // About 33x: a 4-byte leaf costs what any leaf costs (its value, its
    // place, then the parsed event for the alert). One array trail copied
    // per leaf took 270x (210 MB).
    assert!(
        used <= 64 * input_kib,
        "{used} KiB above the sample's for a {input_kib} KiB input"
    );
}

#[test]
fn a_50_mib_string_takes_a_small_multiple_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let sample = read_json(&root().join(SAMPLE));
    let text = huge_string(&sample, 50);
    let file = write(dir.path(), "string.json", &text);
    let base = base_kib(dir.path());
    let run = evaluate(&file, &["--max-event-size", "64M"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty(), "the event fires");
    for line in &lines {
        let message = line["error_message"].as_str().unwrap();
        assert!(message.starts_with("AAAA") && message.ends_with("..."));
    }
    let input_kib = text.len() as u64 / 1024;
    let used = run.peak_kib.saturating_sub(base);
    eprintln!(
        "{input_kib} KiB with a 50 MiB string: peak {} KiB, {used} KiB above the sample's",
        run.peak_kib
    );
    // About 2x (the document, then the parsed event). It was 8x: the
    // string copied per alert, per field and per rendering.
    assert!(
        used <= 3 * input_kib,
        "{used} KiB above the sample's for a {input_kib} KiB input"
    );
}

/// The function's side: this test binary, run again for one case only
/// (`handler_case`), so that its peak RSS is that case's alone whatever
/// runs the suite.
#[cfg(feature = "lambda")]
mod function {
    use super::*;

    use std::sync::Arc;

    use cloudtrail_alerts::engine::Engine;
    use cloudtrail_alerts::handler::Handler;
    use cloudtrail_alerts::publish::RecordingPublisher;
    use cloudtrail_alerts::rules::LoadOptions;
    use cloudtrail_alerts::testing::{ALERTS_TOPIC, SMS_TOPIC, destinations};

    const CASE: &str = "CLOUDTRAIL_ALERTS_MEMORY_CASE";

    /// `sample` with `ipPermissions.items` repeated until the event is about
    /// `bytes` long: a large but ordinary AuthorizeSecurityGroupIngress.
    fn many_permissions(sample: &Value, bytes: usize) -> String {
        let mut event = sample.clone();
        let items = event["detail"]["requestParameters"]["ipPermissions"]["items"]
            .as_array()
            .unwrap()
            .clone();
        let one = serde_json::to_string(&items).unwrap().len();
        let copies = bytes / one + 1;
        let mut all = Vec::new();
        for n in 0..copies {
            for item in &items {
                let mut item = item.clone();
                item["fromPort"] = Value::from(n % 65_536);
                all.push(item);
            }
        }
        event["detail"]["requestParameters"]["ipPermissions"]["items"] = Value::Array(all);
        serde_json::to_string(&event).unwrap()
    }

    fn event_for(case: &str) -> String {
        let sample = read_json(&root().join(SAMPLE));
        match case {
            "sample" => serde_json::to_string(&sample).unwrap(),
            "realistic" => many_permissions(&sample, 512 * 1024),
            "deep" => deep_arrays(&sample, 120, 512 * 1024),
            other => panic!("unknown case {other}"),
        }
    }

    /// Runs only as a child of `measure`: handle one event as the function
    /// does (the runtime hands the handler a parsed `Value`) and print what
    /// was published.
    #[test]
    #[ignore = "run by the memory tests in a process of its own"]
    fn handler_case() {
        let case = std::env::var(CASE).expect("run by `measure`");
        let text = event_for(&case);
        let event: Value = serde_json::from_str(&text).unwrap();
        drop(text);
        let options = LoadOptions {
            files: Vec::new(),
            builtin: true.into(),
        };
        let engine = Arc::new(Engine::load(&options).unwrap());
        let publisher = RecordingPublisher::new();
        let handler = Handler::new(engine, publisher, destinations(ALERTS_TOPIC, SMS_TOPIC));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(handler.handle(event)).unwrap();
        println!(
            "alerts={} published={}",
            outcome.alerts,
            outcome.published.len()
        );
        println!("peak_kib={}", peak::own_peak_kib());
    }

    fn measure(case: &str) -> (Measured, u64) {
        let input = event_for(case).len() as u64 / 1024;
        let exe = std::env::current_exe().unwrap();
        let mut cmd = Command::new(exe);
        cmd.args([
            "memory::function::handler_case",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CASE, case);
        let mut run = peak::run(&mut cmd);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains("1 passed"),
            "the case ran: {}",
            run.stdout
        );
        run.peak_kib = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("peak_kib="))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak: {}", run.stdout));
        (run, input)
    }

    fn alerts(run: &Measured) -> usize {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix("alerts="))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no alert count: {}", run.stdout))
    }

    #[test]
    fn the_handler_takes_memory_proportional_to_the_event() {
        let (base, _) = measure("sample");
        assert!(alerts(&base) > 0, "the sample fires");
        // The parsed event alone is several times its text (the runtime hands
        // the handler a `Value`); both cases measured about 30x and 50x.
        for (case, factor) in [("realistic", 40), ("deep", 64)] {
            let (run, input_kib) = measure(case);
            assert!(alerts(&run) > 0, "{case}: still fires");
            let used = run.peak_kib.saturating_sub(base.peak_kib);
            eprintln!(
                "handler, {case} {input_kib} KiB: peak {} KiB, {used} KiB above the sample's",
                run.peak_kib
            );
            assert!(
                used <= factor * input_kib,
                "{case}: {used} KiB above the sample's for a {input_kib} KiB event"
            );
        }
    }
}
