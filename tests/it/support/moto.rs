//! A real local SNS/SQS: moto's server (`moto[server]` from PyPI), one for
//! the whole test run. The harness installs nothing: when moto is missing
//! the test fails and says how to install it.
//!
//! moto binds a port the kernel picks, so no other process can take it
//! between picking and binding. Starting moto costs seconds of CPU, so every
//! test of a run shares one server, also across the one-process-per-test of
//! cargo-nextest: `moto_supervisor.py` runs it and stops it a few seconds after
//! the last test process using it exits. Tests stay independent by creating
//! their own uniquely named topics and queues (see `sns::Local`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// How long moto may take to start on a busy machine.
const START_DEADLINE: Duration = Duration::from_secs(60);

pub struct Moto {
    pub port: u16,
    pub endpoint: String,
    /// A shared flock held for the life of this process: while any test
    /// process holds it, the server keeps running.
    _lease: File,
}

/// Where moto_server is: `$MOTO_SERVER`, then the project's `.venv`, then PATH.
fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "moto_server not found: these tests need a local SNS.\n\
         Install it with `make setup` (or `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'`),\n\
         or point MOTO_SERVER at a moto_server binary."
    );
}

/// The Python for the supervisor (standard library only): the one next to
/// moto_server in its virtualenv, else `python3` from PATH.
fn python_of(moto: &Path) -> PathBuf {
    let sibling = moto.with_file_name("python3");
    if sibling.exists() {
        sibling
    } else {
        PathBuf::from("python3")
    }
}

/// A minimal HTTP/1.0 GET on loopback; returns (status, body).
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}

fn answers(port: u16) -> bool {
    matches!(http_get(port, "/moto-api/data.json"), Ok((200, _)))
}

fn open(path: &Path) -> File {
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Start the supervisor and return the port moto bound.
fn start_server(dir: &Path, lease: &Path, kind: &str) -> u16 {
    let binary = moto_binary();
    let log = dir.join(format!("{kind}.log"));
    let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support");
    let mut cmd = Command::new(python_of(&binary));
    cmd.arg(support.join("moto_supervisor.py"));
    if kind == SERIAL {
        cmd.arg(python_of(&binary))
            .arg(support.join("moto_serial.py"));
    } else {
        cmd.arg(&binary);
    }
    let mut child = cmd
        .arg(lease)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(open(&log))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto ({}): {e}", binary.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(START_DEADLINE).unwrap_or_else(|_| {
        let _ = child.kill();
        panic!(
            "moto_server did not start within {START_DEADLINE:?}; see {}",
            log.display()
        )
    });
    // The supervisor outlives this process on purpose; it reaps moto itself.
    drop(child);
    line.trim().parse().unwrap_or_else(|_| {
        let why = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("could not start moto_server: {why}")
    })
}

const SHARED: &str = "moto";
const SERIAL: &str = "moto-serial";

impl Moto {
    /// The run's server, started by the first test that needs it.
    pub fn shared() -> &'static Moto {
        static SERVER: OnceLock<Moto> = OnceLock::new();
        SERVER.get_or_init(|| Moto::start(SHARED))
    }

    /// The run's server that answers one request at a time, for tests of
    /// DynamoDB conditional writes under concurrency (see `moto_serial.py`).
    pub fn serial() -> &'static Moto {
        static SERVER: OnceLock<Moto> = OnceLock::new();
        SERVER.get_or_init(|| Moto::start(SERIAL))
    }

    fn start(kind: &str) -> Moto {
        {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            let lease_path = dir.join(format!("{kind}.lease"));
            let lease = open(&lease_path);
            // Blocks only while a supervisor is stopping its server.
            lease.lock_shared().expect("lock moto.lease");
            let start = open(&dir.join(format!("{kind}.start.lock")));
            start.lock().expect("lock moto.start.lock");
            let port_file = dir.join(format!("{kind}.port"));
            let running = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
                .filter(|&port| answers(port));
            let port = running.unwrap_or_else(|| {
                let port = start_server(&dir, &lease_path, kind);
                std::fs::write(&port_file, port.to_string()).expect("write moto.port");
                port
            });
            assert!(answers(port), "moto_server on port {port} does not answer");
            drop(start);
            Moto {
                port,
                endpoint: format!("http://127.0.0.1:{port}"),
                _lease: lease,
            }
        }
    }

    /// moto's view of every model, including each topic's sent notifications.
    pub fn data(&self) -> Value {
        let (status, body) = http_get(self.port, "/moto-api/data.json").expect("moto-api");
        assert_eq!(status, 200, "moto-api/data.json: {body}");
        serde_json::from_str(&body).expect("moto-api/data.json is JSON")
    }

    /// Every message published to `topic_arn`, in order, as moto recorded it.
    /// Fails the test when the topic does not exist: "nothing was published"
    /// must not pass because the test looked in the wrong place.
    pub fn sent(&self, topic_arn: &str) -> Vec<SentNotification> {
        sent_in(&self.data(), topic_arn)
    }
}

/// The notifications `data` (moto's `data.json`) records for `topic_arn`.
pub fn sent_in(data: &Value, topic_arn: &str) -> Vec<SentNotification> {
    let topics = data["sns"]["Topic"].as_array().cloned().unwrap_or_default();
    let topic = topics
        .iter()
        .find(|t| t["arn"] == topic_arn)
        .unwrap_or_else(|| panic!("no SNS topic {topic_arn} on the local server"));
    topic["sent_notifications"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| SentNotification {
            message_id: n[0].as_str().unwrap_or_default().to_string(),
            message: n[1].as_str().unwrap_or_default().to_string(),
            subject: n[2].as_str().map(str::to_string),
            attributes: n[3].clone(),
        })
        .collect()
}

/// One Publish as SNS received it: `message` is the raw Message parameter
/// (the per-protocol JSON object for MessageStructure=json).
#[derive(Clone, Debug)]
pub struct SentNotification {
    pub message_id: String,
    pub message: String,
    pub subject: Option<String>,
    pub attributes: Value,
}

#[test]
fn a_topic_the_server_does_not_have_fails_instead_of_reading_as_empty() {
    let data = serde_json::json!({"sns": {"Topic": [
        {"arn": "arn:aws:sns:us-east-1:123456789012:a", "sent_notifications": []}
    ]}});
    assert!(sent_in(&data, "arn:aws:sns:us-east-1:123456789012:a").is_empty());
    let missing =
        std::panic::catch_unwind(|| sent_in(&data, "arn:aws:sns:us-east-1:123456789012:b"));
    assert!(missing.is_err(), "a missing topic read as an empty list");
}
