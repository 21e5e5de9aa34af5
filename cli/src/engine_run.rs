//! What `init`, `plan`, `apply`, `destroy` and `state` share: compiling the stack to its
//! desired state (refusing a stack with errors), a tokio runtime, and printing engine
//! errors with their code and help line.

use crate::output::{color, write, Stream};
use drove_compiler::model::instance::UserData as Document;
use drove_compiler::model::DesiredState;
use drove_engine::EngineError;
use std::path::{Path, PathBuf};

pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::output::fail(format!("cannot start the async runtime: {e}")))
}

/// The directory a stack path names (a file's parent), where a local state lives.
pub fn stack_dir(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from("."))
    } else {
        path.to_path_buf()
    }
}

/// The stack's desired state; a stack with errors is reported as `drove check` would and
/// gives exit code 1, since nothing may be planned from it.
pub fn desired(path: &Path) -> Result<DesiredState, u8> {
    crate::compile::desired_state(path, "planned")
}

/// Prints an engine error (`error[E0304]: …` and its help, then the errors found with it)
/// and gives exit code 1.
pub fn report(e: &EngineError) -> u8 {
    for one in std::iter::once(e).chain(&e.also) {
        write(Stream::Stderr, &plain(one));
    }
    crate::exit::PROBLEMS
}

fn plain(e: &EngineError) -> String {
    let c = color(Stream::Stderr);
    let head = if c { format!("\x1b[1;31merror[{}]\x1b[0m", e.code) } else { format!("error[{}]", e.code) };
    let mut text = format!("{head}: {}\n", e.message);
    if let Some(h) = &e.help {
        text.push_str(&format!("  help: {h}\n"));
    }
    text
}

/// `report`, except that errors about a declared resource (the plan's pre-flight checks)
/// are shown as diagnostics at its declaration in the stack at `path`, like `drove check`'s.
pub fn report_in(e: &EngineError, path: &Path) -> u8 {
    let all: Vec<&EngineError> = std::iter::once(e).chain(&e.also).collect();
    if all.iter().all(|e| e.at.is_none()) {
        return report(e);
    }
    let Ok(sources) = drove_compiler::source::load(path) else { return report(e) };
    let analysis = drove_compiler::analysis::analyze(&sources);
    let stack = crate::stack::environment().and_then(|e| analysis.environment(e)).map_or(&analysis.stack, |e| &e.stack);
    let mut diagnostics = Vec::new();
    for one in all {
        let found = one.at.as_ref().and_then(|at| {
            drove_compiler::sites::diagnostic(
                stack,
                one.code,
                &one.message,
                one.help.as_deref(),
                &at.address,
                at.attribute,
            )
        });
        match found {
            Some(d) => diagnostics.push(analysis.locate(d)),
            None => write(Stream::Stderr, &plain(one)),
        }
    }
    write(Stream::Stderr, &drove_compiler::render::text(&sources, &diagnostics, color(Stream::Stderr)));
    crate::exit::PROBLEMS
}

/// Asks on the terminal; without one, `--auto-approve` is required.
pub fn confirm(question: &str) -> bool {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        write(Stream::Stderr, "drove: not a terminal; pass --auto-approve to apply without asking\n");
        return false;
    }
    write(Stream::Stderr, &format!("{question} Only 'yes' is accepted: "));
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// What renders instances' user data for a plan or apply: the secrets its documents name
/// decrypted with the keys in the environment, and the repository files they name. Every
/// failure (no key, a wrong key, an altered ciphertext, a missing file) stops here, before
/// the state is locked or AWS called. The secrets of Parameter Store parameters (`sealed`)
/// are decrypted the same way. `None` when no instance has user data and no parameter is
/// written.
pub fn user_data<'a>(
    documents: impl IntoIterator<Item = &'a Document>,
    sealed: impl IntoIterator<Item = &'a drove_compiler::model::parameter::Sealed>,
) -> Result<Option<std::sync::Arc<drove_engine::userdata::UserData>>, u8> {
    let documents: Vec<&Document> = documents.into_iter().collect();
    let sealed: Vec<_> = sealed.into_iter().collect();
    if documents.is_empty() && sealed.is_empty() {
        return Ok(None);
    }
    drove_engine::userdata::UserData::open(documents, sealed, drove_compiler::secrets::Keyring::from_env)
        .map(|u| Some(std::sync::Arc::new(u)))
        .map_err(|e| report(&e))
}
