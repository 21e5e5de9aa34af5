//! Compiler calls run inside `catch_unwind`: a bug in a check answers one request with an
//! error instead of ending the editor's language server.

use std::panic::{catch_unwind, AssertUnwindSafe};
use tower_lsp_server::jsonrpc;

pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// For request handlers: a panic becomes a JSON-RPC internal error.
pub fn request<T>(what: &str, f: impl FnOnce() -> T) -> jsonrpc::Result<T> {
    catch(f).map_err(|msg| {
        let mut e = jsonrpc::Error::internal_error();
        e.message = format!("drove: {what} failed: {msg}").into();
        e
    })
}
