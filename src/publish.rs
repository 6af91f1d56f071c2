//! Sending rendered Publish requests to SNS.
//!
//! [`Publisher`] is the seam between the handler and SNS: [`SnsPublisher`]
//! talks to SNS (or anything speaking its API, such as a local moto server),
//! [`RecordingPublisher`] keeps requests in memory for tests and benchmarks.
//! Retries are the SDK's (standard mode); an error here is final.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_sns::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;

use crate::render::PublishRequest;

/// How many times the SDK tries one Publish (first attempt included).
pub const MAX_ATTEMPTS: u32 = 3;

/// Why a Publish failed, after the SDK's retries.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// SNS refused the request itself (InvalidParameter, InvalidParameterValue):
    /// sending the same message again cannot succeed, a different one may.
    #[error("SNS rejected the message to {topic_arn} as invalid ({code}): {message}")]
    InvalidMessage {
        topic_arn: String,
        code: String,
        message: String,
    },
    /// SNS answered with another error (topic not found, access denied,
    /// throttled after retries, internal error…).
    #[error("SNS refused the publish to {topic_arn} ({code}): {message}")]
    Rejected {
        topic_arn: String,
        code: String,
        message: String,
    },
    /// No usable answer from SNS: connection, timeout or response errors.
    #[error("could not reach SNS to publish to {topic_arn}: {detail}")]
    Unreachable { topic_arn: String, detail: String },
    /// The request could not be built (e.g. the message could not be serialized).
    #[error("could not build the publish request for {topic_arn}: {detail}")]
    Build { topic_arn: String, detail: String },
}

impl PublishError {
    /// True when SNS rejected the message as invalid, so a simpler message may pass.
    pub fn is_invalid_message(&self) -> bool {
        matches!(self, PublishError::InvalidMessage { .. })
    }
}

/// Something that publishes one rendered request and returns the message id.
pub trait Publisher: Send + Sync {
    fn publish(
        &self,
        request: &PublishRequest,
    ) -> impl Future<Output = Result<String, PublishError>> + Send;
}

/// Publishes to SNS with MessageStructure `json`: one message carrying a body
/// per protocol (`default`, `email`, `sms`, `https`).
#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: aws_sdk_sns::Client,
}

/// An SNS client from shared AWS configuration, with the retry and timeout
/// settings the function relies on: standard retry mode, [`MAX_ATTEMPTS`]
/// attempts, and timeouts well inside a Lambda invocation.
pub fn sns_client(sdk_config: &aws_config::SdkConfig) -> aws_sdk_sns::Client {
    use aws_sdk_sns::config::retry::RetryConfig;
    use aws_sdk_sns::config::timeout::TimeoutConfig;
    let config = aws_sdk_sns::config::Builder::from(sdk_config)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

impl SnsPublisher {
    pub fn new(client: aws_sdk_sns::Client) -> SnsPublisher {
        SnsPublisher { client }
    }
}

impl Publisher for SnsPublisher {
    async fn publish(&self, request: &PublishRequest) -> Result<String, PublishError> {
        let topic_arn = &request.topic_arn;
        // The same serialization `cloudtrail-alerts render` shows.
        let message = request.message.to_sns_message();
        let mut attributes = HashMap::new();
        for (name, value) in &request.attributes {
            // SNS refuses empty attribute values; an absent attribute says the same.
            if value.is_empty() {
                continue;
            }
            let attr = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PublishError::Build {
                    topic_arn: topic_arn.clone(),
                    detail: format!("message attribute {name:?}: {e}"),
                })?;
            attributes.insert(name.clone(), attr);
        }
        let result = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .message_structure("json")
            .message(message)
            .set_subject(request.subject.clone())
            .set_message_attributes((!attributes.is_empty()).then_some(attributes))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id().unwrap_or_default().to_string()),
            Err(err) => Err(classify(topic_arn, err)),
        }
    }
}

fn classify(
    topic_arn: &str,
    err: SdkError<aws_sdk_sns::operation::publish::PublishError>,
) -> PublishError {
    let topic_arn = topic_arn.to_string();
    match err.as_service_error() {
        Some(service) => {
            let code = service.code().unwrap_or("Unknown").to_string();
            let message = service.message().unwrap_or_default().to_string();
            if service.is_invalid_parameter_exception()
                || service.is_invalid_parameter_value_exception()
            {
                PublishError::InvalidMessage {
                    topic_arn,
                    code,
                    message,
                }
            } else {
                PublishError::Rejected {
                    topic_arn,
                    code,
                    message,
                }
            }
        }
        None => PublishError::Unreachable {
            topic_arn,
            detail: DisplayErrorContext(&err).to_string(),
        },
    }
}

type Responder = Box<dyn Fn(&PublishRequest, usize) -> Result<(), PublishError> + Send + Sync>;

/// Keeps every request in memory instead of sending it; for tests and benchmarks.
/// A responder can make chosen calls fail (its second argument is the call's
/// 0-based index).
#[doc(hidden)]
pub struct RecordingPublisher {
    requests: Mutex<Vec<PublishRequest>>,
    calls: AtomicUsize,
    responder: Responder,
}

impl Default for RecordingPublisher {
    fn default() -> Self {
        RecordingPublisher::new()
    }
}

impl RecordingPublisher {
    /// Accepts every request.
    pub fn new() -> RecordingPublisher {
        RecordingPublisher::with_responder(|_, _| Ok(()))
    }

    pub fn with_responder(
        responder: impl Fn(&PublishRequest, usize) -> Result<(), PublishError> + Send + Sync + 'static,
    ) -> RecordingPublisher {
        RecordingPublisher {
            requests: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
            responder: Box::new(responder),
        }
    }

    /// Every request accepted so far, in order.
    pub fn published(&self) -> Vec<PublishRequest> {
        self.requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Number of publish calls, accepted or not.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Publisher for RecordingPublisher {
    async fn publish(&self, request: &PublishRequest) -> Result<String, PublishError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        (self.responder)(request, call)?;
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        requests.push(request.clone());
        Ok(format!("recorded-{call}"))
    }
}
