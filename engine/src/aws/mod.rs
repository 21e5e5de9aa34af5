//! The AWS provider: the SDK clients, configured from the ordinary AWS places
//! (environment, profiles, `AWS_ENDPOINT_URL` for an emulator) with retries, each request
//! they send counted ([`RequestCounter`]).

pub mod acm;
pub mod discover;
pub mod discover_balancers;
pub mod ec2_instance;
pub mod ec2_nat;
pub mod ec2_network;
pub mod ec2_tags;
pub mod elbv2;
pub mod iam;
pub mod provider;
pub mod route53;
pub mod ssm;
pub mod ssm_command;

// Tests and tools reach the SDK types through the engine, so they build what it builds.
pub use aws_config;
pub use aws_sdk_acm;
pub use aws_sdk_ec2;
pub use aws_sdk_elasticloadbalancingv2;
pub use aws_sdk_iam;
pub use aws_sdk_route53;
pub use aws_sdk_s3;
pub use aws_sdk_ssm;

use crate::error::{codes, EngineError, Result};
use crate::provider::Change;
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use drove_compiler::model::{Kind, Spec};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
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
    s3_client_counted(conf, &RequestCounter::default())
}

/// [`s3_client`], its requests counted by `counter`.
pub fn s3_client_counted(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_s3::Client {
    // Path-style addressing works with every endpoint, including emulators on 127.0.0.1.
    let s3conf = aws_sdk_s3::config::Builder::from(conf).force_path_style(true).interceptor(counter.clone()).build();
    aws_sdk_s3::Client::from_conf(s3conf)
}

pub fn ec2_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(conf).interceptor(counter.clone()).build())
}

pub fn ssm_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::from_conf(aws_sdk_ssm::config::Builder::from(conf).interceptor(counter.clone()).build())
}

pub fn iam_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(aws_sdk_iam::config::Builder::from(conf).interceptor(counter.clone()).build())
}

pub fn elbv2_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::from_conf(
        aws_sdk_elasticloadbalancingv2::config::Builder::from(conf).interceptor(counter.clone()).build(),
    )
}

pub fn acm_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_acm::Client {
    aws_sdk_acm::Client::from_conf(aws_sdk_acm::config::Builder::from(conf).interceptor(counter.clone()).build())
}

pub fn route53_client(conf: &aws_config::SdkConfig, counter: &RequestCounter) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::from_conf(
        aws_sdk_route53::config::Builder::from(conf).interceptor(counter.clone()).build(),
    )
}

/// Counts every HTTP request the clients it is registered on send, per service and
/// action, retries included: what AWS bills, throttles and makes drove wait for, which
/// drove's own steps (one create may be several requests, a batch of records one) are not.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<Mutex<BTreeMap<(String, String), u64>>>);

impl RequestCounter {
    pub fn snapshot(&self) -> Requests {
        Requests { by_action: self.0.lock().map(|m| m.clone()).unwrap_or_default() }
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "drove-request-counter"
    }

    // Called once per attempt, just before it goes on the wire: a retried call counts
    // each time it is sent, a call refused before sending (no credentials) not at all.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let key = match cfg.load::<Metadata>() {
            Some(m) => (m.service().to_string(), m.name().to_string()),
            None => ("unknown".to_string(), "unknown".to_string()),
        };
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(key).or_insert(0) += 1;
        }
        Ok(())
    }
}

/// Requests sent, per `(service, action)` as the SDK names them (`("EC2", "RunInstances")`,
/// `("Route53", "ChangeResourceRecordSets")`, `("S3", "PutObject")`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests {
    pub by_action: BTreeMap<(String, String), u64>,
}

impl Requests {
    pub fn total(&self) -> u64 {
        self.by_action.values().sum()
    }

    pub fn of_service(&self, service: &str) -> u64 {
        self.by_action.iter().filter(|((s, _), _)| s == service).map(|(_, n)| n).sum()
    }

    pub fn of(&self, service: &str, action: &str) -> u64 {
        self.by_action.get(&(service.to_string(), action.to_string())).copied().unwrap_or(0)
    }

    /// The requests sent after `earlier` (a snapshot of the same counter) was taken.
    pub fn since(&self, earlier: &Requests) -> Requests {
        let by_action = self
            .by_action
            .iter()
            .map(|(k, n)| (k.clone(), n - earlier.by_action.get(k).copied().unwrap_or(0).min(*n)))
            .filter(|(_, n)| *n > 0)
            .collect();
        Requests { by_action }
    }
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

fn typed<T: Kind>(address: &str, spec: Spec) -> Result<T> {
    T::from_spec(spec).ok_or_else(|| {
        EngineError::new(codes::INVALID_CHANGE, format!("{address}: its attributes are not those of a `{}`", T::KIND))
    })
}

/// The resolved desired attributes of a change, typed.
pub(crate) fn after<T: Kind>(c: &Change) -> Result<T> {
    typed(&c.address, c.spec()?)
}

/// The attributes the state last saw for a change, typed.
pub(crate) fn before<T: Kind>(c: &Change) -> Result<T> {
    typed(&c.address, c.before_spec()?)
}

/// Attributes of a known or wanted resource (JSON in the provider trait), typed.
pub(crate) fn typed_attributes<T: Kind>(address: &str, attributes: &Value) -> Result<T> {
    typed(address, crate::provider::spec(address, T::KIND, attributes)?)
}

/// A live view in the model's shape, built from the kind's struct, with `missing`
/// attributes (ones AWS did not answer, and the struct has no word for) set to `null`, as
/// a live view has always written them: the diff reads `null` as "differs from what is
/// wanted", and `drove import aws` as "not there".
pub(crate) fn view<T: Serialize>(spec: &T, missing: impl IntoIterator<Item = &'static str>) -> Value {
    let mut v = crate::provider::attributes(spec);
    if let Some(o) = v.as_object_mut() {
        for name in missing {
            o.insert(name.to_string(), Value::Null);
        }
    }
    v
}
