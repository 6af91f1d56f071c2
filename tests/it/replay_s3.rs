//! `replay s3://…` against a real local S3 (moto's server): the generated
//! archive uploaded to a bucket gives the same report and alert lines as the
//! same files on disk; a date range lists only that range's prefixes; a
//! corrupt object is reported and skipped; access denied and a missing
//! bucket say so. The `s3` feature is on in every test build (see the
//! dev-dependency in Cargo.toml): `cargo nextest run -E 'test(/^replay_s3::/)'`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::cli::{Run, run_with};
use crate::support::replay::{Archive, generate, stable};
use aws_sdk_s3::config::{Credentials, Region};
use cloudtrail_alerts::source::plan::{Lister, Listing, plan};
use cloudtrail_alerts::source::s3::S3Source;
use cloudtrail_alerts::source::time::{Day, End, parse_bound};
use cloudtrail_alerts::source::{Filter, SourceError};
use serde_json::Value;

const BUCKET: &str = "trail-bucket";

/// moto's server, one per test: the access test turns IAM checks on for the
/// whole server, which no other test may see.
struct Moto {
    child: Child,
    port: u16,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let binary = std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .or_else(|| {
                let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
                venv.exists().then_some(venv)
            })
            .unwrap_or_else(|| PathBuf::from("moto_server"));
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free loopback port");
            let mut child = Command::new(&binary)
                .args(["-p", &port.to_string(), "-H", "127.0.0.1"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {} ({e}): run `make setup`", binary.display())
                });
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken after all: try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Moto {
                        child,
                        port,
                        endpoint: format!("http://127.0.0.1:{port}"),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn sdk_config(endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    runtime().block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(key, secret, None, None, "tests"))
            .load(),
    )
}

/// A bucket holding `objects`, on `moto`.
fn upload(moto: &Moto, objects: &[(String, Vec<u8>)]) {
    let config =
        aws_sdk_s3::config::Builder::from(&sdk_config(&moto.endpoint, "testing", "testing"))
            .force_path_style(true)
            .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    runtime().block_on(async {
        client
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .expect("create bucket");
        for (key, bytes) in objects {
            client
                .put_object()
                .bucket(BUCKET)
                .key(key)
                .body(bytes.clone().into())
                .send()
                .await
                .expect("put object");
        }
    });
}

fn archive_objects(archive: &Archive) -> Vec<(String, Vec<u8>)> {
    archive
        .objects
        .iter()
        .map(|o| (o.key.clone(), o.bytes.clone()))
        .collect()
}

/// Run the binary against the local S3 with these credentials.
fn replay_s3(moto: &Moto, key: &str, args: &[&str]) -> Run {
    let mut all = vec!["replay", "--quiet"];
    all.extend_from_slice(args);
    run_with(
        &all,
        None,
        &[
            ("NO_COLOR", "1"),
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", secret_of(key)),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_MAX_ATTEMPTS", "2"),
        ],
    )
}

/// Secrets of the keys the tests create, by key id (leaked: test keys only).
static SECRETS: std::sync::Mutex<Vec<(String, &'static str)>> = std::sync::Mutex::new(Vec::new());

fn secret_of(key: &str) -> &'static str {
    SECRETS
        .lock()
        .unwrap()
        .iter()
        .find(|(k, _)| k == key)
        .map_or("testing", |(_, s)| *s)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("report is not JSON ({e}): {run:#?}"))
}

#[test]
fn a_bucket_replays_like_the_same_files_on_disk() {
    let moto = Moto::start();
    let archive = generate();
    upload(&moto, &archive_objects(&archive));
    let dir = tempfile::tempdir().unwrap();
    archive.write_to(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (s3_alerts, local_alerts) = (
        out.path().join("s3.ndjson"),
        out.path().join("local.ndjson"),
    );

    let s3 = replay_s3(
        &moto,
        "testing",
        &[
            "--threads",
            "2",
            "--report",
            "json",
            "--alerts",
            s3_alerts.to_str().unwrap(),
            &format!("s3://{BUCKET}"),
        ],
    );
    s3.assert_code(0);
    let local = run_with(
        &[
            "replay",
            "--quiet",
            "--report",
            "json",
            "--alerts",
            local_alerts.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
        None,
        &[],
    );
    local.assert_code(0);
    let report = json(&s3);
    assert_eq!(report["totals"]["files"], archive.log_files);
    assert_eq!(report["totals"]["events"], archive.records);
    assert_eq!(stable(report), stable(json(&local)));
    let lines = std::fs::read_to_string(&s3_alerts).unwrap();
    assert!(lines.lines().count() > 10);
    // The same lines, each naming its object or its file.
    let bucket = format!("\"source_file\":\"s3://{BUCKET}/AWSLogs/");
    let folder = format!("\"source_file\":\"{}/AWSLogs/", dir.path().display());
    assert!(lines.contains(&bucket), "{lines}");
    assert_eq!(
        lines.replace(&bucket, "\"source_file\":\"AWSLogs/"),
        std::fs::read_to_string(&local_alerts)
            .unwrap()
            .replace(&folder, "\"source_file\":\"AWSLogs/")
    );

    // A range: the files of those days only.
    let ranged = replay_s3(
        &moto,
        "testing",
        &[
            "--since",
            "2026-11-03",
            "--regions",
            "eu-west-1",
            "--until",
            "2026-11-03",
            "--report",
            "json",
            &format!("s3://{BUCKET}/AWSLogs/"),
        ],
    );
    ranged.assert_code(0);
    let ranged = json(&ranged);
    // Three files a day for each account, and none after: no 2026-11-04.
    assert_eq!(ranged["totals"]["files"], 2 * 3);
    assert_eq!(ranged["days"], serde_json::json!(["2026-11-03"]));

    // A corrupt object is named, skipped, and the rest still counts.
    let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/111122223333_CloudTrail_us-east-1_20261102T2355Z_bad.json.gz";
    let mut corrupt = crate::support::cli::gzip(
        br#"{"Records": [{"eventVersion": "1.09"}, {"eventVersion": "1.09"}]}"#,
    );
    let middle = corrupt.len() / 2;
    corrupt[middle..].iter_mut().for_each(|b| *b = !*b);
    let config =
        aws_sdk_s3::config::Builder::from(&sdk_config(&moto.endpoint, "testing", "testing"))
            .force_path_style(true)
            .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    runtime().block_on(async {
        client
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(corrupt.into())
            .send()
            .await
            .expect("put");
    });
    let broken = replay_s3(
        &moto,
        "testing",
        &["--report", "json", &format!("s3://{BUCKET}")],
    );
    broken.assert_code(1);
    assert!(
        broken.stderr.contains(&format!("s3://{BUCKET}/{key}"))
            && broken.stderr.contains("cannot read"),
        "{}",
        broken.stderr
    );
    let broken = json(&broken);
    assert_eq!(broken["totals"]["skipped"], 1);
    assert_eq!(broken["totals"]["files"], archive.log_files + 1);
    assert_eq!(
        broken["totals"]["matches"],
        json(&local)["totals"]["matches"]
    );
}

/// Every List call the walk makes, passed on to the real bucket.
struct Recording<'a> {
    inner: &'a mut S3Source,
    calls: Vec<(String, bool)>,
}

impl Lister for Recording<'_> {
    fn list(&mut self, prefix: &str, delimited: bool) -> Result<Listing, SourceError> {
        self.calls.push((prefix.to_string(), delimited));
        self.inner.list(prefix, delimited)
    }
}

#[test]
fn a_date_range_lists_only_the_prefixes_of_its_days() {
    let moto = Moto::start();
    let archive = generate();
    upload(&moto, &archive_objects(&archive));
    let mut s3 = S3Source::connect_with(
        BUCKET,
        Some(sdk_config(&moto.endpoint, "testing", "testing")),
    )
    .expect("connect");
    let today = Day::parse("2026-11-29").unwrap();
    let filter = Filter {
        since: Some(parse_bound("2026-11-02", End::Since, today).unwrap()),
        until: Some(parse_bound("2026-11-02", End::Until, today).unwrap()),
        accounts: vec!["111122223333".into(), "444455556666".into()],
        regions: vec!["us-east-1".into()],
    };
    let mut recording = Recording {
        inner: &mut s3,
        calls: Vec::new(),
    };
    let planned = plan("", &filter, &mut recording).expect("plan");
    // Per account, the day's three files and the next day's first (T0005Z).
    assert_eq!(planned.objects.len(), 2 * 4, "{:?}", planned.objects);
    let in_range =
        |k: &str| k.contains("/us-east-1/2026/11/02/") || k.contains("_us-east-1_20261103T00");
    assert!(planned.objects.iter().all(|o| in_range(&o.key)));
    let whole: Vec<&str> = recording
        .calls
        .iter()
        .filter(|(_, d)| !d)
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        whole,
        [
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/111122223333_CloudTrail_us-east-1_20261103T00",
            "AWSLogs/o-exampleorg1/444455556666/CloudTrail/us-east-1/2026/11/02/",
            "AWSLogs/o-exampleorg1/444455556666/CloudTrail/us-east-1/2026/11/03/444455556666_CloudTrail_us-east-1_20261103T00",
        ]
    );
    // One level at a time above the days: the root, AWSLogs/, the accounts'
    // folders. Nothing else, and nothing listed whole.
    let delimited: Vec<&str> = recording
        .calls
        .iter()
        .filter(|(_, d)| *d)
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        delimited,
        [
            "",
            "AWSLogs/",
            "AWSLogs/111122223333/",
            "AWSLogs/o-exampleorg1/111122223333/",
            "AWSLogs/o-exampleorg1/444455556666/",
        ]
    );
}

/// A raw request to moto's IAM (query protocol); its XML answer.
fn iam(moto: &Moto, params: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", moto.port)).expect("connect moto");
    let body = format!("{params}&Version=2010-05-08");
    write!(
        stream,
        "POST / HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20261129/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        moto.port,
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    answer
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).expect(open) + open.len();
    let end = text[start..].find(close).expect(close) + start;
    &text[start..end]
}

/// Turn on moto's IAM checks: from now on requests need real keys and policies.
fn enforce_iam(moto: &Moto) {
    let mut stream = TcpStream::connect(("127.0.0.1", moto.port)).expect("connect moto");
    write!(
        stream,
        "POST /moto-api/reset-auth HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: 1\r\n\r\n0",
        moto.port
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.contains("200"), "{answer}");
}

#[test]
fn access_denied_and_a_missing_bucket_are_clear_errors() {
    let moto = Moto::start();
    let archive = generate();
    upload(&moto, &archive_objects(&archive)[..4]);
    let missing = replay_s3(&moto, "testing", &["s3://no-such-trail-bucket"]);
    missing.assert_code(1);
    assert!(
        missing
            .stderr
            .contains("s3://no-such-trail-bucket: no such bucket"),
        "{}",
        missing.stderr
    );

    // A user that may list the bucket but not read its objects.
    iam(&moto, "Action=CreateUser&UserName=auditor");
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": format!("arn:aws:s3:::{BUCKET}")
    }]})
    .to_string();
    let encoded: String = policy
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    iam(
        &moto,
        &format!("Action=PutUserPolicy&UserName=auditor&PolicyName=list&PolicyDocument={encoded}"),
    );
    let created = iam(&moto, "Action=CreateAccessKey&UserName=auditor");
    let key = between(&created, "<AccessKeyId>", "</AccessKeyId>").to_string();
    let secret: &'static str = Box::leak(
        between(&created, "<SecretAccessKey>", "</SecretAccessKey>")
            .to_string()
            .into_boxed_str(),
    );
    SECRETS.lock().unwrap().push((key.clone(), secret));
    enforce_iam(&moto);

    let denied = replay_s3(
        &moto,
        &key,
        &["--report", "json", &format!("s3://{BUCKET}")],
    );
    denied.assert_code(1);
    assert!(
        denied.stderr.contains("access denied (GetObject)")
            && denied.stderr.contains("s3:GetObject"),
        "{}",
        denied.stderr
    );
    assert_eq!(json(&denied)["totals"]["files"], 0);

    let stranger = replay_s3(
        &moto,
        "AKIAUNKNOWNUNKNOWN00",
        &["--report", "json", &format!("s3://{BUCKET}")],
    );
    stranger.assert_code(1);
    assert!(
        stranger.stderr.contains(&format!("s3://{BUCKET}")),
        "{}",
        stranger.stderr
    );
    assert!(!stranger.stderr.contains("panicked"), "{}", stranger.stderr);
}
