//! Loading a stack and running the front end over it, shared by every command.

use crate::output::fail;
use drove_compiler::diag::Diagnostic;
use drove_compiler::source::{self, LoadError, Sources};
use std::path::Path;

/// The files of the stack at `path`, or the exit code after reporting why it can't be read.
pub fn load(path: &Path) -> Result<Sources, u8> {
    source::load(path).map_err(|e| match &e {
        LoadError::NotUtf8 { path, offset } => {
            fail(format!("{}: not valid UTF-8 at byte offset {offset}{}", path.display(), line_of(path, *offset)))
        }
        _ => fail(e),
    })
}

/// " (line L, column C)" of a byte offset in a file that failed to decode, from the valid prefix.
fn line_of(path: &Path, offset: usize) -> String {
    let Ok(bytes) = std::fs::read(path) else { return String::new() };
    let Some(prefix) = bytes.get(..offset) else { return String::new() };
    let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = prefix.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..]).chars().count() + 1;
    format!(" (line {line}, column {column})")
}

/// Every diagnostic of the stack, sorted by file and position.
///
/// For `drove check`, which exits right after: the trees are left to the end of the
/// process instead of freed node by node (6 % of checking a 50,000-record zone).
/// The language server keeps and frees its analyses as usual.
pub fn diagnostics(sources: &Sources) -> Vec<Diagnostic> {
    let analysis = drove_compiler::analysis::analyze(sources);
    std::mem::forget(analysis.files);
    std::mem::forget(analysis.stack);
    analysis.diagnostics
}
