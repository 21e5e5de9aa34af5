//! Everything DNS: names, record types and data, record lines, zones and health checks
//! (lowering, checks and compilation to `route53.*` resources).

pub mod name;
pub mod rdata;
pub mod rtype;
pub mod svcb;

#[cfg(test)]
mod oracle_tests;
