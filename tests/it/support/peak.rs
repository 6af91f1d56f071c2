//! Peak memory of a process, read from the kernel: a child's when it is
//! reaped (`wait4`'s `ru_maxrss`), not sampled, so a short spike is not
//! missed; or this process's own (`VmHWM`).
//!
//! A child's figure starts at the spawning process's high-water mark (the
//! kernel keeps the old address space's mark across `exec`): measure from a
//! process that holds little, as `memory::cli_case` does.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Longest a measured run may take, with room for a loaded machine.
const LIMIT: Duration = Duration::from_secs(300);

/// What a measured run left behind.
#[derive(Debug)]
pub struct Measured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The child's peak resident set, in KiB.
    pub peak_kib: u64,
}

/// Run `cmd` (stdin empty) to its end and return its output and peak RSS.
// The child is reaped by `wait4`, which std's `wait` cannot stand in for.
#[allow(clippy::zombie_processes)]
pub fn run(cmd: &mut Command) -> Measured {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let pid = i32::try_from(child.id()).expect("pid fits an i32");
    let drain = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = from.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout pipe")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr pipe")));
    // A hung child fails the test instead of stalling the run.
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let deadline = Instant::now() + LIMIT;
            while !done.load(Ordering::SeqCst) {
                if Instant::now() > deadline {
                    // SAFETY: `pid` is our own child, not reaped yet (`done` is unset).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with valid pointers.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    let _ = watchdog.join();
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status),
        "killed by signal {} (a crash, or over {LIMIT:?})",
        libc::WTERMSIG(status)
    );
    Measured {
        code: libc::WEXITSTATUS(status),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        peak_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    }
}

/// This process's own peak resident set so far (`VmHWM`), in KiB.
#[cfg_attr(not(feature = "lambda"), allow(dead_code))]
pub fn own_peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}
