//! A fake Lambda Runtime API on loopback, enough to run the real function
//! binary: it hands out queued events from `GET .../invocation/next` and
//! records what the function posts back.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What the function answered for one invocation.
#[derive(Clone, Debug)]
pub struct Answer {
    pub request_id: String,
    /// `response` or `error`.
    pub kind: String,
    pub body: Value,
}

#[derive(Default)]
struct State {
    events: VecDeque<(String, Value)>,
    answers: Vec<Answer>,
    first_poll: Option<Instant>,
    init_errors: Vec<Value>,
}

pub struct FakeRuntimeApi {
    pub port: u16,
    state: Arc<(Mutex<State>, Condvar)>,
    stop: Arc<AtomicBool>,
}

impl FakeRuntimeApi {
    /// Serve `events` in order, with request ids `req-0`, `req-1`…
    pub fn start(events: Vec<Value>) -> FakeRuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind runtime api");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new((
            Mutex::new(State {
                events: events
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| (format!("req-{i}"), e))
                    .collect(),
                ..State::default()
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (s, st) = (Arc::clone(&s), Arc::clone(&st));
                std::thread::spawn(move || serve(conn, &s, &st));
            }
        });
        FakeRuntimeApi { port, state, stop }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// When the function first asked for an event.
    pub fn first_poll(&self) -> Option<Instant> {
        self.state.0.lock().unwrap().first_poll
    }

    /// What the function posted to `/runtime/init/error`, in order.
    pub fn init_errors(&self) -> Vec<Value> {
        self.state.0.lock().unwrap().init_errors.clone()
    }

    /// Wait until `n` answers arrived (or the timeout passed) and return them.
    pub fn wait_answers(&self, n: usize, timeout: Duration) -> Vec<Answer> {
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut state = lock.lock().unwrap();
        while state.answers.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = cvar.wait_timeout(state, left).unwrap().0;
        }
        state.answers.clone()
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.state.1.notify_all();
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn serve(conn: TcpStream, state: &(Mutex<State>, Condvar), stop: &AtomicBool) {
    let Ok(mut writer) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader) {
        let (lock, cvar) = state;
        const BASE: &str = "/2018-06-01/runtime";
        if req.method == "GET" && req.path == format!("{BASE}/invocation/next") {
            let next = {
                let mut s = lock.lock().unwrap();
                s.first_poll.get_or_insert_with(Instant::now);
                s.events.pop_front()
            };
            let Some((id, event)) = next else {
                // Nothing left: hold the long poll, as Lambda does, until the end.
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            respond(
                &mut writer,
                "200 OK",
                &[
                    ("Content-Type", "application/json".to_string()),
                    ("Lambda-Runtime-Aws-Request-Id", id),
                    ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:cloudtrail-alerts"
                            .to_string(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-00000000-000000000000000000000000;Sampled=0".to_string(),
                    ),
                ],
                event.to_string().as_bytes(),
            );
        } else if req.method == "POST" && req.path.starts_with(&format!("{BASE}/invocation/")) {
            let rest = &req.path[BASE.len() + "/invocation/".len()..];
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let body = serde_json::from_slice(&req.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into()));
            lock.lock().unwrap().answers.push(Answer {
                request_id: id.to_string(),
                kind: kind.to_string(),
                body,
            });
            cvar.notify_all();
            respond(&mut writer, "202 Accepted", &[], b"{\"status\":\"OK\"}");
        } else if req.method == "POST" && req.path == format!("{BASE}/init/error") {
            let body = serde_json::from_slice(&req.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into()));
            lock.lock().unwrap().init_errors.push(body);
            respond(&mut writer, "202 Accepted", &[], b"{\"status\":\"OK\"}");
        } else {
            respond(&mut writer, "404 Not Found", &[], b"{}");
        }
    }
}
