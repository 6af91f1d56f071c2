//! A generated trail archive in CloudTrail's S3 layout: two accounts (one
//! under an organization folder), two regions, three days, three log files a
//! day (the first, delivered after midnight, with the day before's last events), each `{"Records": [...]}` gzipped, with digests, a README, a hidden
//! partial download and a folder that is not the trail's beside it. Records
//! are the sample events' CloudTrail records with their time, account,
//! region, event id and source address changed.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub const ACCOUNTS: [(&str, &str); 2] = [
    ("AWSLogs/", "111122223333"),
    ("AWSLogs/o-exampleorg1/", "444455556666"),
];
pub const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];
pub const DAYS: [u32; 3] = [1, 2, 3];
/// Sample events whose records fill the log files: some fire rules, one
/// fires a rule that an exclude silences, one fires nothing.
const SAMPLES: [&str; 5] = [
    "root-console-login",
    "vpc-create",
    "console-login-failure",
    "describe-transit-gateways",
    "s3-get-object",
];
const SOURCE_IPS: [&str; 3] = ["198.51.100.7", "203.0.113.20", "192.0.2.33"];

/// One object of the archive: its key (relative path) and bytes.
pub struct Object {
    pub key: String,
    pub bytes: Vec<u8>,
}

pub struct Archive {
    pub objects: Vec<Object>,
    /// Log files (`.json.gz` under CloudTrail/) and the records in them.
    pub log_files: usize,
    pub records: usize,
}

fn record(sample: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("events/{sample}.json"));
    let text = std::fs::read_to_string(&path).expect("sample event");
    let event: Value = serde_json::from_str(&text).expect("sample event is JSON");
    event["detail"].clone()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// The archive; the same every time.
pub fn generate() -> Archive {
    let samples: Vec<Value> = SAMPLES.iter().map(|s| record(s)).collect();
    let mut objects = Vec::new();
    let (mut log_files, mut records, mut n) = (0, 0, 0u32);
    for (root, account) in ACCOUNTS {
        for region in REGIONS {
            for day in DAYS {
                // The file delivered just after midnight holds the last
                // events of the day before, as CloudTrail's do.
                for (file, hour) in [(0, 0), (1, 9), (2, 17)] {
                    let mut list = Vec::new();
                    for (i, sample) in samples.iter().enumerate() {
                        n += 1;
                        let mut r = sample.clone();
                        r["eventTime"] = if hour == 0 {
                            let before = if day == 1 {
                                "10-31".to_string()
                            } else {
                                format!("11-{:02}", day - 1)
                            };
                            format!("2026-{before}T23:{}:{:02}Z", 50 + i, i * 3)
                        } else {
                            let minute = (n * 7) % 60;
                            format!("2026-11-{day:02}T{hour:02}:{minute:02}:{:02}Z", i * 3)
                        }
                        .into();
                        r["eventID"] = format!("00000000-0000-4000-8000-{n:012}").into();
                        r["recipientAccountId"] = account.into();
                        r["awsRegion"] = region.into();
                        r["sourceIPAddress"] = SOURCE_IPS[n as usize % SOURCE_IPS.len()].into();
                        list.push(r);
                    }
                    records += list.len();
                    log_files += 1;
                    let body = serde_json::json!({ "Records": list }).to_string();
                    let stamp = format!("202611{day:02}T{hour:02}{file}5Z");
                    objects.push(Object {
                        key: format!(
                            "{root}{account}/CloudTrail/{region}/2026/11/{day:02}/{account}_CloudTrail_{region}_{stamp}_{n}.json.gz"
                        ),
                        bytes: gzip(body.as_bytes()),
                    });
                }
                let digest = serde_json::json!({
                    "awsAccountId": account, "digestStartTime": format!("2026-11-{day:02}T00:00:00Z"),
                    "digestS3Bucket": "trail-bucket", "logFiles": []
                });
                objects.push(Object {
                    key: format!(
                        "{root}{account}/CloudTrail-Digest/{region}/2026/11/{day:02}/{account}_CloudTrail-Digest_{region}_trail_{region}_202611{day:02}T000000Z.json.gz"
                    ),
                    bytes: gzip(digest.to_string().as_bytes()),
                });
            }
        }
        objects.push(Object {
            key: format!(
                "{root}{account}/CloudTrail/{}/2026/11/01/README.txt",
                REGIONS[0]
            ),
            bytes: b"not a log file".to_vec(),
        });
        objects.push(Object {
            key: format!(
                "{root}{account}/CloudTrail/{}/2026/11/02/.partial.json.gz",
                REGIONS[1]
            ),
            bytes: b"\x1f\x8b half a download".to_vec(),
        });
    }
    objects.push(Object {
        key: "athena-results/query.json".into(),
        bytes: b"{\"not\": \"a trail\"}".to_vec(),
    });
    Archive {
        objects,
        log_files,
        records,
    }
}

impl Archive {
    /// Write the archive under `dir`, as `aws s3 sync` would.
    pub fn write_to(&self, dir: &Path) {
        for o in &self.objects {
            let path = dir.join(&o.key);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &o.bytes).expect("write object");
        }
    }

    /// Paths of the log files on disk under `dir`.
    pub fn log_paths(&self, dir: &Path) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| {
                o.key.contains("/CloudTrail/")
                    && o.key.ends_with(".json.gz")
                    && !o.key.contains("/.")
            })
            .map(|o| dir.join(&o.key).display().to_string())
            .collect()
    }
}

/// The JSON report without what changes from run to run (time taken).
pub fn stable(mut report: Value) -> Value {
    report["totals"]["seconds"] = Value::Null;
    report
}
