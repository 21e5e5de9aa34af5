//! Checks over the typed HIR.

pub mod hosts;
pub mod roles;

use crate::diag::Sink;
use crate::hir::Stack;

pub fn run(stack: &Stack, sink: &mut Sink) {
    roles::check(stack, sink);
    hosts::check(stack, sink);
    crate::dns::check::check(stack, sink);
}

#[cfg(test)]
mod testing;
