//! The Lambda function: build everything once at cold start, then serve
//! invocations. Configuration: see docs/lambda.md.
//!
//! A configuration or rule problem ends the process with a non-zero status
//! after logging every problem; Lambda reports `Runtime.ExitError` and the
//! message is in the function's log, which is where people look.

use std::process::ExitCode;
use std::sync::Arc;

use cloudtrail_alerts::config::{LambdaConfig, load_engine};
use cloudtrail_alerts::handler::Handler;
use cloudtrail_alerts::metrics::{self, InvocationMetrics};
use cloudtrail_alerts::publish::{SnsPublisher, sns_client};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tracing::{error, info};

async fn init() -> Result<Handler<SnsPublisher>, String> {
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
    info!(rules = enabled, "ready");
    Ok(Handler::new(Arc::new(engine), publisher, config.router()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = match init().await {
        Ok(h) => Arc::new(h),
        Err(message) => {
            error!("cold start failed: {message}");
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
