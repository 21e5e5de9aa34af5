//! Loading a stack and running the front end over it, shared by every command.

use crate::output::fail;
use drove_compiler::analysis::Analysis;
use drove_compiler::diag::Diagnostic;
use drove_compiler::source::{self, LoadError, Sources};
use std::path::Path;
use std::sync::OnceLock;

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

static ENVIRONMENT: OnceLock<Option<String>> = OnceLock::new();

/// Sets the environment `--env` (or `DROVE_ENV`) chose, once, before any command runs.
pub fn choose_environment(env: Option<String>) {
    let _ = ENVIRONMENT.set(env);
}

/// The environment `--env` chose, if any.
pub fn environment() -> Option<&'static str> {
    ENVIRONMENT.get().and_then(Option::as_deref)
}

/// The environment chosen and its diagnostics; every environment's when none is chosen
/// and `required` is false. A name the stack does not declare, `--env` on a stack
/// without environments, or none chosen when `required`, is a usage error (exit 2) that
/// lists the environments.
pub fn chosen(analysis: &Analysis, required: bool) -> Result<(Option<&str>, &[Diagnostic]), u8> {
    let declared = analysis.environment_names();
    let list = || declared.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    match environment() {
        None if declared.is_empty() || !required => Ok((None, &analysis.diagnostics)),
        None => Err(fail(format!("the stack declares the environments {}; choose one with `--env NAME`", list()))),
        Some(name) => match analysis.environment(name) {
            Some(env) => Ok((Some(env.name.as_str()), &env.diagnostics)),
            None if declared.is_empty() => Err(fail(format!("`--env {name}`: the stack declares no environments"))),
            None => Err(fail(format!("the stack declares no environment `{name}`; it declares {}", list()))),
        },
    }
}

/// Every diagnostic of the stack (of the environment chosen, if any), sorted by file and
/// position, or the exit code of a usage error.
///
/// For `drove check`, which exits right after: the trees are left to the end of the
/// process instead of freed node by node (6 % of checking a 50,000-record zone).
/// The language server keeps and frees its analyses as usual.
pub fn diagnostics(sources: &Sources) -> Result<Vec<Diagnostic>, u8> {
    let mut analysis = drove_compiler::analysis::analyze(sources);
    // Taken out rather than copied: a legacy stack can hold thousands of them.
    let env = chosen(&analysis, false)?.0.map(str::to_string);
    let list = match env {
        Some(name) => analysis.environments.iter_mut().find(|e| e.name == name).map(|e| &mut e.diagnostics),
        None => Some(&mut analysis.diagnostics),
    };
    let diagnostics = list.map(std::mem::take).unwrap_or_default();
    std::mem::forget(analysis);
    Ok(diagnostics)
}
