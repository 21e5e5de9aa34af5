//! The AWS provider: the SDK clients, configured from the ordinary AWS places
//! (environment, profiles, `AWS_ENDPOINT_URL` for an emulator) with retries.

pub mod discover;
pub mod ec2_instance;
pub mod ec2_network;
pub mod ec2_tags;
pub mod provider;
pub mod route53;

// Tests and tools reach the SDK types through the engine, so they build what it builds.
pub use aws_sdk_ec2;
pub use aws_sdk_route53;
pub use aws_sdk_s3;
pub use aws_config;

use crate::error::{codes, EngineError};
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use std::time::Duration;

/// Throttling and 5xx answers are retried by the SDK's standard strategy: exponential
/// backoff with full jitter. Eight attempts ride out a few seconds of throttling.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}

pub async fn load_config(region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(retry_config())
        .load()
        .await
}

/// A configuration for one endpoint with fixed credentials (tests against an emulator
/// that run side by side cannot share the process environment).
pub async fn endpoint_config(region: &str, endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(retry_config())
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(key, secret, None, None, "drove-static"))
        .load()
        .await
}

pub fn s3_client(conf: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    // Path-style addressing works with every endpoint, including emulators on 127.0.0.1.
    let s3conf = aws_sdk_s3::config::Builder::from(conf).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(s3conf)
}

/// An SDK failure as an engine error naming the call and AWS's own code and message.
pub fn sdk_error<E, R>(call: &str, e: aws_sdk_s3::error::SdkError<E, R>) -> EngineError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_s3::error::SdkError;
    let detail = match &e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!("{}: {}", err.code().unwrap_or("error"), err.message().unwrap_or("(no message)"))
        }
        SdkError::DispatchFailure(d) => {
            let mut s = "cannot reach the AWS endpoint".to_string();
            if let Some(c) = d.as_connector_error() {
                s.push_str(&format!(" ({c})"));
            }
            s
        }
        SdkError::TimeoutError(_) => "the call timed out".to_string(),
        SdkError::ConstructionFailure(_) => {
            let mut s = format!("{e}");
            if let Some(src) = std::error::Error::source(&e) {
                s.push_str(&format!(": {src}"));
            }
            s
        }
        other => format!("{other}"),
    };
    let mut err = EngineError::new(codes::AWS_CALL, format!("{call} failed: {detail}"));
    if detail.contains("credentials") || detail.contains("Credentials") {
        err = err.with_help("set AWS credentials the usual way (environment, profile, SSO, instance role)");
    } else if detail.contains("cannot reach") {
        err = err.with_help("check the network and AWS_ENDPOINT_URL");
    }
    err
}
