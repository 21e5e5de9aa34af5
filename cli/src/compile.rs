//! `drove compile [PATH]`: the desired state as pretty JSON on stdout. Diagnostics go to
//! stderr so the JSON stays clean; a stack with errors is refused (exit 1).

use crate::output::{color, fail, write, Stream};
use drove_compiler::analysis::analyze;
use drove_compiler::compile::{compile_in, CompileError};
use drove_compiler::model::DesiredState;
use drove_compiler::render;
use std::path::Path;

pub fn run(path: &Path) -> u8 {
    let state = match desired_state(path, "compiled") {
        Ok(state) => state,
        Err(code) => return code,
    };
    match serde_json::to_string_pretty(&state) {
        Ok(json) => {
            write(Stream::Stdout, &format!("{json}\n"));
            crate::exit::OK
        }
        Err(e) => fail(format!("cannot serialise the desired state: {e}")),
    }
}

/// The stack's desired state, or the exit code after its diagnostics went to stderr
/// ("PATH: not VERB: 2 errors"). Shared by every command that needs a compiled stack
/// (`compile`, `graph`, and the engine's `init`, `plan`, `apply`, `state`).
pub fn desired_state(path: &Path, verb: &str) -> Result<DesiredState, u8> {
    let sources = crate::stack::load(path)?;
    let analysis = analyze(&sources);
    let (env, diagnostics) = crate::stack::chosen(&analysis, true)?;
    let stderr_color = color(Stream::Stderr);
    if !diagnostics.is_empty() {
        write(Stream::Stderr, &render::text(&sources, diagnostics, stderr_color));
    }
    if diagnostics.iter().any(|d| d.is_error()) {
        write(Stream::Stderr, &format!("{}: not {verb}: {}\n", path.display(), render::summary(diagnostics)));
        return Err(crate::exit::PROBLEMS);
    }
    match compile_in(&analysis, env) {
        Ok(state) => Ok(state),
        Err(CompileError::Invalid(diagnostics)) => {
            write(Stream::Stderr, &render::text(&sources, &diagnostics, stderr_color));
            write(Stream::Stderr, &format!("{}: not {verb}: {}\n", path.display(), render::summary(&diagnostics)));
            Err(crate::exit::PROBLEMS)
        }
        Err(e @ CompileError::Environment { .. }) => Err(crate::output::fail(e)),
        Err(e @ CompileError::Incomplete(_)) => {
            write(Stream::Stderr, &format!("drove: {}: {e}\n", path.display()));
            Err(crate::exit::PROBLEMS)
        }
    }
}
