//! Diagnostic codes of the DNS part (E0270–E0299, W0020–W0029, and E0265–E0266 for a
//! zone's ignore rules, the DNS range being full); each has a page under `docs/codes/`.

pub const E_IGNORE_DECLARED: &str = "E0265";
pub const E_IGNORE_MALFORMED: &str = "E0266";
pub const E_UNKNOWN_TYPE: &str = "E0270";
pub const E_UNSUPPORTED_TYPE: &str = "E0271";
pub const E_BAD_VALUE: &str = "E0272";
pub const E_BAD_NAME: &str = "E0273";
pub const E_NAME_TOO_LONG: &str = "E0274";
pub const E_OUTSIDE_ZONE: &str = "E0275";
pub const E_CNAME_APEX: &str = "E0276";
pub const E_CNAME_BESIDE: &str = "E0277";
pub const E_DUPLICATE_RECORD: &str = "E0278";
pub const E_TTL_MISMATCH: &str = "E0279";
pub const E_TTL_RANGE: &str = "E0280";
pub const E_STRING_TOO_LONG: &str = "E0281";
pub const E_ROUTING_INCOMPLETE: &str = "E0282";
pub const E_DUPLICATE_SET: &str = "E0283";
pub const E_MIXED_POLICY: &str = "E0284";
pub const E_WEIGHT: &str = "E0285";
pub const E_FAILOVER: &str = "E0286";
pub const E_GEO: &str = "E0287";
pub const E_REGION: &str = "E0288";
pub const E_MULTIVALUE: &str = "E0289";
pub const E_ALIAS_TARGET: &str = "E0290";
pub const E_ALIAS_ZONE_ID: &str = "E0291";
pub const E_ALIAS_TTL: &str = "E0292";
pub const E_ALIAS_TYPE: &str = "E0293";
pub const E_APEX_NS: &str = "E0294";
pub const E_HEALTHCHECK: &str = "E0295";
pub const E_HEALTHCHECK_TARGET: &str = "E0296";
pub const E_DUPLICATE_ZONE: &str = "E0297";
pub const E_PRIVATE_NO_NETWORK: &str = "E0298";
pub const E_NO_PUBLIC_IP: &str = "E0299";
/// A record set Route53 could not change in one request.
pub const E_SET_TOO_LARGE: &str = "E0424";

pub const W_PRIVATE_ADDRESS: &str = "W0020";
pub const W_UNUSED_HEALTHCHECK: &str = "W0021";
pub const W_DANGLING_TARGET: &str = "W0022";
pub const W_REPEATED_ORIGIN: &str = "W0023";

/// Names (sema's codes) for duplicate health checks.
pub const E_DUPLICATE_NAME: &str = "E0101";
