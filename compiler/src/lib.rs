//! drove's front end: everything from source text to the desired state, with no AWS SDK.
//! The CLI (`drove check|fmt|compile|graph|explain`) and the language server call these
//! functions; see `docs/architecture.md` for the map.

pub mod analysis;
pub mod catalog;
pub mod check;
pub mod codes;
pub mod compile;
pub mod diag;
pub mod dns;
pub mod environment;
pub mod hir;
pub mod ide;
pub mod literal;
pub mod lower;
pub mod model;
pub mod names;
pub mod reach;
pub mod render;
pub mod repo;
pub mod secrets;
pub mod sites;
pub mod source;
pub mod syntax;
pub mod uses;
pub mod zonefile;

pub use analysis::{analyze, Analysis};
pub mod fmt;
pub mod graph;
