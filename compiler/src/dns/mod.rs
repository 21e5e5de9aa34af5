//! Everything DNS: names, record types and data, record lines, zones and health checks
//! (lowering, checks and compilation to `route53.*` resources).
//!
//! - [`name`]: DNS names (relative, `@`, absolute; limits; lower-case absolute form).
//! - [`rtype`], [`rdata`], [`svcb`]: record types and typed record data, rendered in the
//!   presentation format Route53 takes.
//! - [`hir`]: the lowered `zone` and `healthcheck` declarations (in `hir::Stack`).
//! - [`lower`]: CST → HIR; [`check`]: rules between records; [`compile`]: resources.
//! - [`ignore`]: a zone's policy for records it does not declare, and its ignore rules.

pub mod alias_targets;
pub mod change_limits;
pub mod check;
pub mod codes;
pub mod compile;
pub mod geo;
pub mod hir;
pub mod ignore;
pub mod lower;
pub mod name;
pub mod rdata;
pub mod rtype;
pub mod svcb;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod oracle_tests;
