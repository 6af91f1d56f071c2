//! The S3 reader: lists a trail bucket for [`super::plan`] and streams its
//! objects to the matching threads.
//!
//! Credentials and region come from the SDK's default chain; `AWS_ENDPOINT_URL`
//! (or `AWS_ENDPOINT_URL_S3`) points it elsewhere, with path-style addressing
//! since a local endpoint has no bucket subdomains. Requests go to the
//! bucket's own region, found with HeadBucket. Objects are fetched ahead of
//! the readers, at most `max_gets` at a time, each through a channel of a few
//! chunks: memory stays bounded by `max_gets` × [`CHUNKS_PER_OBJECT`] chunks
//! whatever the size of the archive. Throttling is retried by the SDK's
//! standard retry mode before it is reported.

use std::io::{self, Read};
use std::sync::Mutex;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use tokio::runtime::Runtime;
use tokio::sync::{Semaphore, mpsc};

use super::SourceError;
use super::plan::{Lister, Listing, ObjectInfo};

/// Chunks (as the HTTP body yields them, usually 8–64 KB) buffered per object.
pub const CHUNKS_PER_OBJECT: usize = 16;
/// Attempts per request, throttling included, before an error is reported.
const MAX_ATTEMPTS: u32 = 6;

/// A connection to one bucket.
pub struct S3Source {
    runtime: Runtime,
    client: Client,
    bucket: String,
}

type HttpResponse = aws_sdk_s3::config::http::HttpResponse;

impl S3Source {
    /// Load credentials and region from the default chain, then find the
    /// bucket and its region.
    pub fn connect(bucket: &str) -> Result<S3Source, SourceError> {
        S3Source::connect_with(bucket, None)
    }

    /// As [`S3Source::connect`], with the SDK configuration given instead of
    /// loaded (tests point it at a local S3).
    pub fn connect_with(
        bucket: &str,
        shared: Option<aws_config::SdkConfig>,
    ) -> Result<S3Source, SourceError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SourceError::S3 {
                url: format!("s3://{bucket}"),
                action: "start",
                message: e.to_string(),
            })?;
        let client = runtime.block_on(async {
            let shared = match shared {
                Some(shared) => shared,
                None => {
                    aws_config::defaults(BehaviorVersion::latest())
                        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
                        .load()
                        .await
                }
            };
            connect(bucket, shared).await
        })?;
        Ok(S3Source {
            runtime,
            client,
            bucket: bucket.to_string(),
        })
    }

    /// Start fetching `keys` in order; readers take them from the queue.
    pub fn fetch(self, keys: Vec<String>, max_gets: usize) -> FetchQueue {
        let (tx, rx) = mpsc::channel(max_gets.max(1));
        let S3Source {
            runtime,
            client,
            bucket,
        } = self;
        let thread = std::thread::spawn(move || {
            runtime.block_on(prefetch(client, bucket, keys, max_gets.max(1), tx));
        });
        FetchQueue {
            rx: Mutex::new(rx),
            thread: Mutex::new(Some(thread)),
        }
    }
}

async fn connect(bucket: &str, shared: aws_config::SdkConfig) -> Result<Client, SourceError> {
    let local = shared.endpoint_url().is_some();
    let build = |region: Option<Region>| {
        let mut config = aws_sdk_s3::config::Builder::from(&shared).force_path_style(local);
        if let Some(region) = region.or_else(|| shared.region().cloned()) {
            config = config.region(region);
        } else {
            config = config.region(Region::from_static("us-east-1"));
        }
        Client::from_conf(config.build())
    };
    let client = build(None);
    let url = format!("s3://{bucket}");
    match client.head_bucket().bucket(bucket).send().await {
        Ok(head) => {
            let region = head.bucket_region().map(|r| Region::new(r.to_string()));
            Ok(if region.is_some() {
                build(region)
            } else {
                client
            })
        }
        Err(err) => {
            // A bucket elsewhere answers 301 with its region in a header.
            let moved = err
                .raw_response()
                .and_then(|r| r.headers().get("x-amz-bucket-region"))
                .map(|r| Region::new(r.to_string()));
            match (moved, status(&err)) {
                (Some(region), Some(301 | 400)) => Ok(build(Some(region))),
                (_, Some(404)) => Err(SourceError::NoSuchBucket {
                    bucket: bucket.to_string(),
                }),
                // HeadBucket answers 403 without saying why; the first listing
                // will, with its error code.
                (_, Some(403)) => Ok(client),
                _ => Err(classify(&err, url, "HeadBucket")),
            }
        }
    }
}

fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// A typed error from an SDK error: what users can act on gets its own variant.
fn classify<E>(err: &SdkError<E, HttpResponse>, url: String, action: &'static str) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default();
    match (code, status(err)) {
        ("NoSuchBucket", _) => SourceError::NoSuchBucket {
            bucket: url
                .trim_start_matches("s3://")
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        },
        ("AccessDenied" | "AllAccessDisabled", _) | ("", Some(403)) => {
            SourceError::AccessDenied { url, action }
        }
        (
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "InvalidToken"
            | "TokenRefreshRequired",
            _,
        ) => SourceError::BadCredentials {
            url,
            action,
            code: code.to_string(),
        },
        ("SlowDown" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded", _)
        | ("", Some(503)) => SourceError::Throttled { url, action },
        _ => {
            let message = chain(err);
            if message.contains("loading credentials") || message.contains("no credentials") {
                SourceError::NoCredentials { url, message }
            } else {
                SourceError::S3 {
                    url,
                    action,
                    message,
                }
            }
        }
    }
}

/// An error and its causes as one line of their messages, without the
/// SDK's debug dump of the raw response.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

impl Lister for S3Source {
    fn list(&mut self, prefix: &str, delimited: bool) -> Result<Listing, SourceError> {
        self.runtime
            .block_on(list(&self.client, &self.bucket, prefix, delimited))
    }
}

async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimited: bool,
) -> Result<Listing, SourceError> {
    let mut listing = Listing::default();
    let mut token = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_delimiter(delimited.then(|| "/".to_string()))
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| classify(&e, format!("s3://{bucket}/{prefix}"), "ListObjectsV2"))?;
        listing.folders.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
        listing
            .objects
            .extend(page.contents().iter().filter_map(|o| {
                Some(ObjectInfo {
                    key: o.key()?.to_string(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                })
            }));
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
            _ => return Ok(listing),
        }
    }
}

/// What a GET sends its reader.
enum Piece {
    Data(Vec<u8>),
    /// The GET failed before any byte: nothing of the object was read.
    Failed(SourceError),
    /// The body broke off part-way.
    Broken(String),
}

async fn prefetch(
    client: Client,
    bucket: String,
    keys: Vec<String>,
    max_gets: usize,
    queue: mpsc::Sender<(usize, ObjectReader)>,
) {
    let permits = std::sync::Arc::new(Semaphore::new(max_gets));
    let mut tasks = Vec::new();
    for (index, key) in keys.into_iter().enumerate() {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (tx, rx) = mpsc::channel(CHUNKS_PER_OBJECT);
        let reader = ObjectReader {
            rx,
            current: Vec::new(),
            at: 0,
        };
        if queue.send((index, reader)).await.is_err() {
            break;
        }
        let client = client.clone();
        let bucket = bucket.clone();
        tasks.push(tokio::spawn(async move {
            get(&client, &bucket, &key, tx).await;
            drop(permit);
        }));
    }
    drop(queue);
    for task in tasks {
        let _ = task.await;
    }
}

async fn get(client: &Client, bucket: &str, key: &str, tx: mpsc::Sender<Piece>) {
    let url = format!("s3://{bucket}/{key}");
    let mut body = match client.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => out.body,
        Err(err) => {
            let _ = tx
                .send(Piece::Failed(classify(&err, url, "GetObject")))
                .await;
            return;
        }
    };
    while let Some(chunk) = body.next().await {
        let piece = match chunk {
            Ok(bytes) => Piece::Data(bytes.to_vec()),
            Err(err) => Piece::Broken(chain(&err)),
        };
        let broken = matches!(piece, Piece::Broken(_));
        // A reader that gave up (a corrupt object) drops its end: stop.
        if tx.send(piece).await.is_err() || broken {
            return;
        }
    }
}

/// The objects being fetched, in key order, for the reading threads.
pub struct FetchQueue {
    rx: Mutex<mpsc::Receiver<(usize, ObjectReader)>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl FetchQueue {
    /// The next object (its index among the keys) and a reader of its body;
    /// `None` when every object was handed out.
    pub fn next(&self) -> Option<(usize, ObjectReader)> {
        let mut rx = self.rx.lock().unwrap_or_else(|p| p.into_inner());
        let next = rx.blocking_recv();
        if next.is_none()
            && let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take()
        {
            let _ = thread.join();
        }
        next
    }
}

/// One object's body as a blocking [`Read`].
pub struct ObjectReader {
    rx: mpsc::Receiver<Piece>,
    current: Vec<u8>,
    at: usize,
}

impl ObjectReader {
    /// Wait for the GET's answer: the typed error when it failed outright
    /// (access denied, throttled, gone), so the caller reports it as such.
    pub fn start(mut self) -> Result<ObjectReader, SourceError> {
        match self.rx.blocking_recv() {
            Some(Piece::Failed(err)) => Err(err),
            Some(Piece::Data(data)) => {
                self.current = data;
                Ok(self)
            }
            Some(Piece::Broken(message)) => {
                // Keep the failure for the first read, with the read's position.
                let (tx, rx) = mpsc::channel(1);
                let _ = tx.try_send(Piece::Broken(message));
                self.rx = rx;
                Ok(self)
            }
            None => Ok(self),
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.current.len() {
            match self.rx.blocking_recv() {
                Some(Piece::Data(data)) => {
                    self.current = data;
                    self.at = 0;
                }
                Some(Piece::Broken(message)) => return Err(io::Error::other(message)),
                Some(Piece::Failed(err)) => return Err(io::Error::other(err.to_string())),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
    use aws_sdk_s3::primitives::SdkBody;

    use super::*;

    fn error(code: Option<&str>, status: u16) -> SdkError<ListObjectsV2Error, HttpResponse> {
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code).message("from S3");
        }
        let status = status.try_into().unwrap();
        SdkError::service_error(
            ListObjectsV2Error::generic(meta.build()),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    fn classified(code: Option<&str>, status: u16) -> SourceError {
        classify(
            &error(code, status),
            "s3://b/AWSLogs/".into(),
            "ListObjectsV2",
        )
    }

    #[test]
    fn each_failure_users_can_act_on_gets_its_own_error() {
        assert!(matches!(
            classified(Some("AccessDenied"), 403),
            SourceError::AccessDenied { .. }
        ));
        assert!(matches!(
            classified(None, 403),
            SourceError::AccessDenied { .. }
        ));
        assert!(matches!(
            classified(Some("SlowDown"), 503),
            SourceError::Throttled { .. }
        ));
        assert!(matches!(
            classified(None, 503),
            SourceError::Throttled { .. }
        ));
        assert!(matches!(
            classified(Some("NoSuchBucket"), 404),
            SourceError::NoSuchBucket { bucket } if bucket == "b"
        ));
        assert!(matches!(
            classified(Some("ExpiredToken"), 400),
            SourceError::BadCredentials { code, .. } if code == "ExpiredToken"
        ));
        let other = classified(Some("InternalError"), 500);
        assert!(matches!(other, SourceError::S3 { .. }), "{other:?}");
        assert!(!other.is_fatal());
        let throttled = classified(Some("SlowDown"), 503).to_string();
        assert!(throttled.contains("--max-gets"), "{throttled}");
    }
}
