//! BIND master files (RFC 1035 §5, RFC 3597 generic data, BIND's `$TTL` units): read
//! for `drove import zonefile`, written for `drove export zonefile`.
//!
//! - [`lexer`]: entries (logical lines) of tokens; [`ttl`]: TTLs with units.
//! - [`read`]: directives, owners, TTLs and classes → [`Zone`] of typed records.
//! - [`data`], [`wire`]: record data → the DNS layer's [`Rdata`](crate::dns::rdata::Rdata).
//! - [`import`]: a [`Zone`] → drove source; [`export`]: compiled record sets → a zone file.
//!
//! Errors are not language diagnostics (the input is not drove source): each carries the
//! file and line it is about.

pub mod data;
pub mod export;
pub mod import;
pub mod lexer;
pub mod read;
pub mod ttl;
pub mod wire;

use crate::dns::name::Name;
use crate::dns::rdata::Rdata;
use crate::dns::rtype::RType;
use std::fmt;
use std::path::PathBuf;

pub use read::{read, read_file};

/// Where in which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub at: Location,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// A record Route53 can hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub owner: Name,
    pub ttl: u64,
    pub rtype: RType,
    pub data: Rdata,
    pub at: Location,
}

/// A record the import leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub owner: Name,
    /// The type as a zone file names it (`LOC`, `TYPE65534`).
    pub rtype: String,
    /// Why Route53 can't hold it: "Route53 does not serve LOC records".
    pub why: String,
    pub at: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// The zone's apex.
    pub origin: Name,
    pub records: Vec<Record>,
    /// The apex SOA and NS records, which Route53 creates and owns.
    pub apex: Vec<Skipped>,
    /// Records Route53 can't hold: of a type it does not serve (known to drove or not),
    /// or a CAA record with a tag it does not take.
    pub unsupported: Vec<Skipped>,
}

#[cfg(test)]
mod tests;
