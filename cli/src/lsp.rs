//! `drove lsp`: the language server on stdin/stdout, for editors, with the engine behind
//! its plan lens and drift refresh.

use crate::output::fail;

pub fn run() -> u8 {
    let planner: std::sync::Arc<dyn drove_lsp::Planner> =
        std::sync::Arc::new(crate::lsp_planner::EnginePlanner::default());
    match drove_lsp::serve_stdio(Some(planner)) {
        Ok(()) => crate::exit::OK,
        Err(e) => fail(format!("language server: {e}")),
    }
}
