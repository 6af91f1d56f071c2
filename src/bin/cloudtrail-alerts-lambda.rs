//! The Lambda function: build everything once at cold start, then serve
//! invocations. Configuration: see docs/lambda.md.
//!
//! A configuration or rule problem is logged (every problem) and posted to
//! the Runtime API's `/runtime/init/error`, so Lambda shows the reason as the
//! invocation's error (`Runtime.InitError`) instead of a bare exit; then the
//! process ends with a non-zero status.

use std::process::ExitCode;
use std::sync::Arc;

use cloudtrail_alerts::config::{LambdaConfig, load_engine};
use cloudtrail_alerts::handler::Handler;
use cloudtrail_alerts::metrics::{self, InvocationMetrics};
use cloudtrail_alerts::publish::{SnsPublisher, sns_client};
use cloudtrail_alerts::state::dynamodb::{DynamoStore, dynamodb_client};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tracing::{error, info};

async fn init() -> Result<Handler<SnsPublisher, DynamoStore>, String> {
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = LambdaConfig::from_vars(vars).map_err(|e| e.to_string())?;
    let engine = load_engine(&config).map_err(|e| e.to_string())?;
    let enabled = engine.config().rules.iter().filter(|r| r.enabled).count();
    // Honours AWS_ENDPOINT_URL, which is how local runs reach a local SNS.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let publisher = SnsPublisher::new(sns_client(&sdk));
    for d in &config.destinations {
        info!(destination = %d.name, topic_arn = %d.topic_arn, min_severity = %d.min_severity, "destination");
    }
    let store = config.state_table.as_ref().map(|table| {
        info!(table = %table, "dedup windows kept in DynamoDB");
        DynamoStore::new(dynamodb_client(&sdk), table.clone())
    });
    info!(rules = enabled, state = store.is_some(), "ready");
    Ok(Handler::new(Arc::new(engine), publisher, config.router()).with_state(store))
}

/// Post `message` to `/runtime/init/error` (Lambda Runtime API).
async fn report_init_error(message: &str) -> Result<(), String> {
    let address = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set".to_string())?;
    // The client would panic on a malformed address: check it first.
    let endpoint = address
        .parse()
        .map_err(|e| format!("AWS_LAMBDA_RUNTIME_API {address:?}: {e}"))?;
    let client = lambda_runtime_api_client::Client::builder()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(&Diagnostic {
        error_type: "Runtime.InitError".to_string(),
        error_message: format!("cold start failed: {message}"),
    })
    .map_err(|e| e.to_string())?;
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", "Runtime.InitError")
        .body(lambda_runtime_api_client::body::Body::from(body))
        .map_err(|e| e.to_string())?;
    let response = client.call(request).await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = match init().await {
        Ok(h) => Arc::new(h),
        Err(message) => {
            error!("cold start failed: {message}");
            if let Err(e) = report_init_error(&message).await {
                error!("could not report the failed cold start to the Runtime API: {e}");
            }
            return ExitCode::FAILURE;
        }
    };
    let result = lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = Arc::clone(&handler);
        async move {
            let mut counts = InvocationMetrics::default();
            let result = handler.handle_counted(&event.payload, &mut counts).await;
            metrics::emit(&counts);
            result.map_err(|e| Diagnostic {
                error_type: e.error_type().to_string(),
                error_message: e.to_string(),
            })
        }
    }))
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("runtime failed: {e}");
            ExitCode::FAILURE
        }
    }
}
