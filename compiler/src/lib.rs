//! drove's front end: everything from source text to the desired state, with no AWS SDK.
//! The CLI (`drove check|fmt|compile|graph|explain`) and the language server call these
//! functions; see `docs/architecture.md` for the map.

pub mod catalog;
pub mod check;
pub mod codes;
pub mod compile;
pub mod diag;
pub mod model;
pub mod render;
pub mod source;
pub mod syntax;
pub mod hir;
pub mod literal;
pub mod lower;
pub mod dns;
pub mod ide;
pub mod analysis;
pub mod names;
pub mod zonefile;
pub mod secrets;

pub use analysis::{analyze, Analysis};
pub mod fmt;
pub mod graph;
