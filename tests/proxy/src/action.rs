//! Which AWS call a request is: the service from the SigV4 credential scope, the action
//! from `X-Amz-Target` (JSON protocols), the `Action=` form field (query protocols, EC2
//! included) or, for Route53's REST API, its method and path.

use hyper::{HeaderMap, Method};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `X-Amz-Target: Service.Operation`, JSON bodies.
    Json,
    /// EC2's own query dialect (errors in `<Response><Errors>`).
    Ec2,
    /// The other query services (errors in `<ErrorResponse>`).
    Query,
    /// REST-XML with `<ErrorResponse>` errors (Route53).
    Route53,
    /// REST-XML with a bare `<Error>` (S3) and anything not recognised.
    S3,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub service: String,
    pub action: String,
    pub protocol: Protocol,
}

/// The service a SigV4 request is signed for (`Credential=AKID/date/region/SERVICE/aws4_request`).
fn signed_service(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let cred = auth.split("Credential=").nth(1)?;
    let scope = cred.split([',', ' ']).next()?;
    scope.split('/').nth(3).map(str::to_string)
}

/// A field of a form-encoded (query protocol) body, as sent.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')).map(str::to_string)
}

fn form_action(body: &[u8]) -> Option<String> {
    form_field(body, "Action")
}

/// Route53's operation for a method and path (`/2013-04-01/hostedzone/Z1/rrset`); ids
/// are the segments after a collection name.
fn route53_action(method: &Method, path: &str) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    let m = method.as_str();
    let name = match (m, segs.as_slice()) {
        ("POST", ["hostedzone"]) => "CreateHostedZone",
        ("GET", ["hostedzone"]) => "ListHostedZones",
        ("GET", ["hostedzonesbyname"]) => "ListHostedZonesByName",
        ("GET", ["hostedzone", _]) => "GetHostedZone",
        ("POST", ["hostedzone", _]) => "UpdateHostedZoneComment",
        ("DELETE", ["hostedzone", _]) => "DeleteHostedZone",
        ("POST", ["hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        ("GET", ["hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        ("POST", ["hostedzone", _, "associatevpc"]) => "AssociateVPCWithHostedZone",
        ("POST", ["hostedzone", _, "disassociatevpc"]) => "DisassociateVPCFromHostedZone",
        ("GET", ["change", _]) => "GetChange",
        ("POST", ["healthcheck"]) => "CreateHealthCheck",
        ("GET", ["healthcheck"]) => "ListHealthChecks",
        ("GET", ["healthcheck", _]) => "GetHealthCheck",
        ("POST", ["healthcheck", _]) => "UpdateHealthCheck",
        ("DELETE", ["healthcheck", _]) => "DeleteHealthCheck",
        ("GET", ["tags", _, _]) => "ListTagsForResource",
        ("POST", ["tags", _, _]) => "ChangeTagsForResource",
        ("POST", ["tags", _]) => "ListTagsForResources",
        _ => return format!("{m} {path}"),
    };
    name.to_string()
}

/// Names a request. `body` is the whole request body (the query protocols carry the
/// action there).
pub fn classify(method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Call {
    let service = signed_service(headers).unwrap_or_else(|| "unsigned".to_string());
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let action = target.rsplit('.').next().unwrap_or(target).to_string();
        return Call { service, action, protocol: Protocol::Json };
    }
    if let Some(action) = form_action(body) {
        let protocol = if service == "ec2" { Protocol::Ec2 } else { Protocol::Query };
        return Call { service, action, protocol };
    }
    if service == "route53" {
        return Call { action: route53_action(method, path), service, protocol: Protocol::Route53 };
    }
    Call { action: format!("{} {}", method.as_str(), path), service, protocol: Protocol::S3 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn signed(service: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let v = format!("AWS4-HMAC-SHA256 Credential=testing/20261126/ap-northeast-1/{service}/aws4_request, SignedHeaders=host, Signature=00");
        h.insert(hyper::header::AUTHORIZATION, HeaderValue::from_str(&v).unwrap());
        h
    }

    #[test]
    fn names_calls_of_each_protocol() {
        let c = classify(&Method::POST, "/", &signed("ec2"), b"Action=RunInstances&Version=2016-11-15");
        assert_eq!((c.service.as_str(), c.action.as_str(), c.protocol), ("ec2", "RunInstances", Protocol::Ec2));
        let c = classify(&Method::POST, "/", &signed("sts"), b"Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!((c.action.as_str(), c.protocol), ("GetCallerIdentity", Protocol::Query));
        let mut h = signed("dynamodb");
        h.insert("x-amz-target", HeaderValue::from_static("DynamoDB_20120810.PutItem"));
        let c = classify(&Method::POST, "/", &h, b"{}");
        assert_eq!((c.action.as_str(), c.protocol), ("PutItem", Protocol::Json));
        let c = classify(&Method::POST, "/2013-04-01/hostedzone/Z1/rrset/", &signed("route53"), b"<x/>");
        assert_eq!((c.action.as_str(), c.protocol), ("ChangeResourceRecordSets", Protocol::Route53));
        let c = classify(&Method::GET, "/2013-04-01/tags/hostedzone/Z1", &signed("route53"), b"");
        assert_eq!(c.action, "ListTagsForResource");
        let c = classify(&Method::PUT, "/bucket/key", &signed("s3"), b"{}");
        assert_eq!((c.service.as_str(), c.action.as_str(), c.protocol), ("s3", "PUT /bucket/key", Protocol::S3));
    }

    #[test]
    fn form_fields_match_whole_names() {
        let body = b"Action=RunInstances&ClientTokenX=no&ClientToken=drove-abc-1-00ff&MaxCount=1";
        assert_eq!(form_field(body, "ClientToken").as_deref(), Some("drove-abc-1-00ff"));
        assert_eq!(form_field(body, "Token"), None);
        assert_eq!(form_field(b"\xff", "Action"), None);
    }
}
