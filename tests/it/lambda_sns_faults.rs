//! SNS that hangs or throttles, played by a local HTTP server: the
//! publisher's timeouts and retries must fail the invocation in bounded time,
//! well inside a Lambda timeout, instead of hanging it or passing it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::sns::{Local, sdk_config};
use cloudtrail_alerts::handler::HandlerError;
use cloudtrail_alerts::metrics::InvocationMetrics;
use cloudtrail_alerts::publish::{MAX_ATTEMPTS, PublishError, SnsPublisher, sns_client};
use cloudtrail_alerts::severity::Severity;
use cloudtrail_alerts::testing::alert;

/// SNS's answer when a caller exceeds its rate (query protocol, HTTP 400).
const THROTTLED: &str = "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\
<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
<RequestId>4d5f2b0e-1c2d-5e6f-8a9b-0c1d2e3f4a5b</RequestId></ErrorResponse>";

/// A server on a port the OS picks; `answer` decides what each connection
/// gets. Returns the endpoint and how many requests arrived.
fn fake_sns(answer: fn(TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || answer(stream));
        }
    });
    (endpoint, requests)
}

/// Reads the request and never answers, keeping the connection open.
fn hang(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// Reads one request and answers Throttling, closing the connection so each
/// retry is a new one.
fn throttle(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: 4d5f2b0e-1c2d-5e6f-8a9b-0c1d2e3f4a5b\r\nConnection: close\r\n\r\n{THROTTLED}",
        THROTTLED.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// Publishes one alert through the handler to `endpoint`; the error and how
/// long it took.
async fn publish_to(endpoint: &str) -> (PublishError, Duration) {
    let local = Local::start().await;
    let sdk = sdk_config(endpoint).await;
    let handler = local.handler(SnsPublisher::new(sns_client(&sdk)));
    let mut counts = InvocationMetrics::default();
    let start = Instant::now();
    let err = handler
        .publish_alerts(&[alert("iam-user-created", Severity::Medium)], &mut counts)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    let HandlerError::Publish {
        failures,
        published,
    } = err
    else {
        panic!("{err}")
    };
    assert!(published.is_empty());
    assert_eq!(failures.len(), 1);
    assert_eq!(counts.publish_failures.get("alerts"), Some(&1));
    (failures[0].error.clone(), elapsed)
}

#[tokio::test]
async fn an_sns_that_never_answers_fails_the_invocation_within_the_operation_timeout() {
    let (endpoint, requests) = fake_sns(hang);
    let (error, elapsed) = publish_to(&endpoint).await;
    assert!(
        matches!(error, PublishError::Unreachable { .. }),
        "{error:?}"
    );
    // Each attempt gives up after its timeout and the whole operation is
    // capped, far below the function's timeout.
    assert!(elapsed < Duration::from_secs(25), "{elapsed:?}");
    assert!(
        elapsed >= Duration::from_secs(4),
        "gave up before any timeout: {elapsed:?}"
    );
    assert!(requests.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn a_throttling_sns_is_retried_then_fails_the_invocation() {
    let (endpoint, requests) = fake_sns(throttle);
    let (error, elapsed) = publish_to(&endpoint).await;
    match &error {
        PublishError::Rejected { code, .. } => assert_eq!(code, "Throttling"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        requests.load(Ordering::SeqCst),
        MAX_ATTEMPTS as usize,
        "one try and the retries"
    );
    assert!(elapsed < Duration::from_secs(25), "{elapsed:?}");
}
