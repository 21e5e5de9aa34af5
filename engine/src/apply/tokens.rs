//! Idempotency tokens of creates (EC2's ClientToken, Route53's CallerReference).

/// Stable for one apply of a plan and an address (a retried call sends the same token), at
/// most 64 characters as EC2's ClientToken requires. It carries the applying state's
/// lineage (its first 16 characters), so a zone created by a run that died before tagging
/// it still says which state made it.
pub fn idempotency_token(lineage: &str, serial: u64, address: &str) -> String {
    format!("drove-{}-{}{}", lineage.get(..16).unwrap_or(lineage), serial, token_suffix(address))
}

/// How every token made for `address` ends, whatever the plan: a resource created by a
/// run that died before tagging it is recognised by it (a zone's CallerReference).
pub fn token_suffix(address: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    address.hash(&mut h);
    format!("-{:016x}", h.finish())
}
