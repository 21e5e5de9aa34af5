//! `use NAME = "PATH"`: another stack of the repository, whose declarations this stack
//! names as `NAME.…` (`net.main.public-a`, `app.hosts.web.public_ip`).

use super::{Ident, Spanned, Stack};
use crate::source::{FileId, Span};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    /// The used stack's directory, relative to this stack's, as written.
    pub path: Option<Spanned<String>>,
    /// The used stack once loaded (`crate::uses::resolve`); `None` until then, or when it
    /// could not be (a diagnostic says why).
    pub target: Option<Arc<UsedStack>>,
}

/// A stack another one uses: lowered, not checked (its own check reports its mistakes),
/// in the environment of the same name when it declares environments.
#[derive(Debug, Clone)]
pub struct UsedStack {
    /// Its directory relative to the repository root, `/`-separated: how the model, the
    /// plan and the state name it.
    pub path: String,
    pub dir: PathBuf,
    /// Its files, indexed by the `FileId`s its declarations carry.
    pub files: Vec<PathBuf>,
    pub stack: Stack,
    /// The environment it was lowered in, when it declares environments.
    pub environment: Option<String>,
    /// Its symbol table, for resolving names and suggesting close ones.
    pub symbols: crate::names::Symbols,
}

impl PartialEq for UsedStack {
    /// One stack in one environment is loaded once per analysis, so its place says which.
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.environment == other.environment
    }
}
