//! `drove lsp`: the language server on stdin/stdout, for editors.

use crate::output::fail;

pub fn run() -> u8 {
    match drove_lsp::serve_stdio() {
        Ok(()) => crate::exit::OK,
        Err(e) => fail(format!("language server: {e}")),
    }
}
