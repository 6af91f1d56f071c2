//! Where events come from: a file, a directory tree or an S3 prefix in
//! CloudTrail's layout, turned into an ordered list of [`Item`]s to read.
//!
//! The order is stable (paths and keys sorted) so two runs over the same
//! archive read, number and report the same way. Directory trees and S3
//! prefixes share one notion of the layout ([`layout`]): digests, hidden
//! files and other folders are skipped, and `--since`/`--until`,
//! `--accounts` and `--regions` prune folders before they are read.

pub mod layout;
pub mod local;
pub mod plan;
#[cfg(feature = "s3")]
pub mod s3;
pub mod time;

use std::path::PathBuf;

pub use layout::Filter;

/// A SOURCE argument: a local path or `s3://bucket[/prefix]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl SourceSpec {
    pub fn parse(arg: &str) -> Result<SourceSpec, SourceError> {
        let Some(rest) = arg.strip_prefix("s3://") else {
            return Ok(SourceSpec::Local(PathBuf::from(arg)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(SourceError::BadUrl {
                url: arg.to_string(),
            });
        }
        Ok(SourceSpec::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// One file or object to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// How errors and alerts name it: the path, or `s3://bucket/key`.
    pub name: String,
    /// Bytes as stored (compressed for `.gz`), for progress and totals.
    pub size: u64,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    S3 { bucket: String, key: String },
}

/// Why a source, a folder or an object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot read: {message}")]
    Local { path: String, message: String },
    #[error("{url}: not an S3 URL: expected s3://BUCKET or s3://BUCKET/PREFIX")]
    BadUrl { url: String },
    #[error(
        "{url}: this build cannot read S3: install with `cargo install --path . --no-default-features --features s3`"
    )]
    NoS3Support { url: String },
    #[error("s3://{bucket}: no such bucket")]
    NoSuchBucket { bucket: String },
    #[error(
        "{url}: access denied ({action}): the credentials in use need s3:ListBucket on the bucket and s3:GetObject on its objects (and kms:Decrypt if the trail encrypts with KMS)"
    )]
    AccessDenied { url: String, action: &'static str },
    #[error(
        "{url}: {action} refused the credentials ({code}): check AWS_PROFILE or the access keys, or sign in again if the session expired"
    )]
    BadCredentials {
        url: String,
        action: &'static str,
        code: String,
    },
    #[error(
        "{url}: no usable AWS credentials (set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): {message}"
    )]
    NoCredentials { url: String, message: String },
    #[error("{url}: S3 kept throttling ({action}, SlowDown) after retries; try fewer --max-gets")]
    Throttled { url: String, action: &'static str },
    #[error("{url}: {action} failed: {message}")]
    S3 {
        url: String,
        action: &'static str,
        message: String,
    },
}

impl SourceError {
    /// Whether the error means nothing of the source can be read.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SourceError::NoSuchBucket { .. }
                | SourceError::AccessDenied { .. }
                | SourceError::BadCredentials { .. }
                | SourceError::NoCredentials { .. }
                | SourceError::BadUrl { .. }
                | SourceError::NoS3Support { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_arguments() {
        assert_eq!(
            SourceSpec::parse("s3://trail-bucket/org/AWSLogs/").unwrap(),
            SourceSpec::S3 {
                bucket: "trail-bucket".into(),
                prefix: "org/AWSLogs/".into()
            }
        );
        assert_eq!(
            SourceSpec::parse("s3://trail-bucket").unwrap(),
            SourceSpec::S3 {
                bucket: "trail-bucket".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            SourceSpec::parse("logs/AWSLogs").unwrap(),
            SourceSpec::Local(PathBuf::from("logs/AWSLogs"))
        );
        assert!(SourceSpec::parse("s3:///x").is_err());
    }
}
