//! The error answers a service gives when it throttles or fails, in each protocol's own
//! shape, so the SDK's retry classifiers see exactly what AWS would send.

use crate::action::{Call, Protocol};

/// A kind of failure the proxy answers with instead of forwarding a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The service's throttling error (Route53 also answers `PriorRequestNotComplete`).
    Throttle,
    /// HTTP 500.
    InternalError,
    /// HTTP 503.
    Unavailable,
}

pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub code: &'static str,
    pub body: String,
}

/// The error for `fault` on `call`; `alternate` picks Route53's second throttling code.
pub fn answer(fault: Fault, call: &Call, alternate: bool, request_id: &str) -> Answer {
    use Protocol::*;
    let (status, code, message) = match (fault, call.protocol) {
        (Fault::Throttle, Json) => (400, "ThrottlingException", "Rate exceeded"),
        (Fault::Throttle, Ec2) => (503, "RequestLimitExceeded", "Request limit exceeded."),
        (Fault::Throttle, Route53) if alternate => (
            400,
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ),
        (Fault::Throttle, Query | Route53) => (400, "Throttling", "Rate exceeded"),
        (Fault::Throttle, S3) => (503, "SlowDown", "Please reduce your request rate."),
        (Fault::InternalError, Json | Query | Route53) => {
            (500, "InternalFailure", "The request processing has failed because of an unknown error.")
        }
        (Fault::InternalError, Ec2) => (500, "InternalError", "An internal error has occurred."),
        (Fault::InternalError, S3) => (500, "InternalError", "We encountered an internal error. Please try again."),
        (Fault::Unavailable, Ec2) => (503, "Unavailable", "The server is overloaded and can't handle the request."),
        (Fault::Unavailable, _) => (503, "ServiceUnavailable", "The service is unavailable. Please try again later."),
    };
    let sender = if status < 500 { "Sender" } else { "Receiver" };
    let (content_type, body) = match call.protocol {
        Json => ("application/x-amz-json-1.1", format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
        Ec2 => (
            "text/xml;charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
        ),
        Route53 => (
            "text/xml",
            format!(
                "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>{sender}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ),
        ),
        Query => (
            "text/xml",
            format!(
                "<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>{sender}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ),
        ),
        S3 => (
            "application/xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"),
        ),
    };
    Answer { status, content_type, code, body }
}
