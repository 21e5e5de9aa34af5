//! Rules over the typed stack. [`run`] is the one entry point: it builds the symbol
//! table, resolves names, then runs each area's rules, so a rule may assume references it
//! follows were resolved (and skip quietly when they were not: that was reported once).
//!
//! [`run_syntax`] holds the rules that look at the syntax tree itself because they are
//! about where text stands, not what it means: secrets flowing out of provisioning and
//! credential-looking literals anywhere.

mod access;
mod balancer;
mod certificate;
mod credentials;
mod firewall;
pub mod hosts;
mod limits;
pub mod moved;
mod nat;
mod network;
pub mod roles;
mod secret_delivery;
mod secrets;

use crate::diag::Sink;
use crate::hir;
use crate::names::{self, Symbols};
use crate::syntax::cst;

pub use firewall::world_open;

/// Checks a lowered stack. Each area adds one line here.
pub fn run(stack: &hir::Stack, sink: &mut Sink) {
    let symbols = Symbols::build(stack, sink);
    names::check(stack, &symbols, sink);
    network::check(stack, sink);
    nat::check(stack, sink);
    firewall::check(stack, &symbols, sink);
    limits::check(stack, sink);
    roles::check(stack, sink);
    secret_delivery::check(stack, sink);
    access::check(stack, sink);
    balancer::check(stack, sink);
    certificate::check(stack, sink);
    hosts::check(stack, sink);
    moved::check(stack, sink);
    crate::dns::check::check(stack, sink);
    crate::secrets::check(stack, sink);
    crate::compile::cloud_config::size::check(stack, sink);
}

/// Checks on the syntax trees of all files.
pub fn run_syntax(files: &[cst::File], sink: &mut Sink) {
    secrets::check(files, sink);
    credentials::check(files, sink);
}

#[cfg(test)]
mod testing;
