//! A real local SNS/SQS: moto's server (`moto[server]` from PyPI) on a free
//! loopback port, stopped when dropped. The harness installs nothing: when
//! moto is missing the test fails and says how to install it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
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

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(|port| {
            let mut cmd = Command::new(moto_binary());
            cmd.args(["-p", &port.to_string(), "-H", "127.0.0.1"]);
            cmd
        })
    }

    /// moto answering one request at a time, so DynamoDB conditional writes
    /// are atomic as in DynamoDB (see `moto_serial.py`).
    pub fn start_serial() -> Moto {
        let binary = moto_binary();
        let python = binary.with_file_name("python3");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_serial.py");
        Moto::start_with(move |port| {
            let mut cmd = Command::new(if python.exists() {
                python.clone()
            } else {
                PathBuf::from("python3")
            });
            cmd.arg(&script).arg(port.to_string());
            cmd
        })
    }

    fn start_with(command: impl Fn(u16) -> Command) -> Moto {
        let binary = moto_binary();
        let mut last_error = String::new();
        // A port picked free may be taken before moto binds it; try a few.
        for _ in 0..3 {
            let port = free_port();
            let mut child = command(port)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start {}: {e}. Install moto with `make setup`.",
                        binary.display()
                    )
                });
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    if let Some(mut s) = child.stderr.take() {
                        let _ = s.read_to_string(&mut err);
                    }
                    last_error = format!("moto_server exited ({status}): {err}");
                    break;
                }
                if let Ok((200, _)) = http_get(port, "/moto-api/data.json") {
                    // Nobody reads moto's request log; don't let a full pipe block it.
                    drop(child.stderr.take());
                    return Moto {
                        child,
                        port,
                        endpoint: format!("http://127.0.0.1:{port}"),
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("moto_server did not answer on port {port} within 60s");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("could not start moto_server: {last_error}");
    }

    /// moto's view of every model, including each topic's sent notifications.
    pub fn data(&self) -> Value {
        let (status, body) = http_get(self.port, "/moto-api/data.json").expect("moto-api");
        assert_eq!(status, 200, "moto-api/data.json: {body}");
        serde_json::from_str(&body).expect("moto-api/data.json is JSON")
    }

    /// Every message published to `topic_arn`, in order, as moto recorded it.
    pub fn sent(&self, topic_arn: &str) -> Vec<SentNotification> {
        let data = self.data();
        let topics = data["sns"]["Topic"].as_array().cloned().unwrap_or_default();
        let Some(topic) = topics.iter().find(|t| t["arn"] == topic_arn) else {
            return Vec::new();
        };
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
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
