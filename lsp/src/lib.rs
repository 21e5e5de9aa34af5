//! drove's language server: a thin adapter from the Language Server Protocol to the
//! compiler's own functions (`analyze`, `fmt::format`, the queries in
//! `drove_compiler::ide`). It holds no parser or checks of its own, so the editor shows
//! exactly what `drove check` reports.
//!
//! Concurrency: edits are applied under one lock in version order ([`docs`]); analysis
//! runs on a worker thread that coalesces queued stacks and publishes diagnostics only
//! for the generation it analysed, so a slow analysis never overwrites newer results.
//! Requests read the newest snapshot, computing it if an edit made it stale.

mod convert;
mod docs;
mod explain;
mod features;
mod guard;
mod lens;
mod outbox;
mod plans;
mod repo_index;
mod server;
mod workspace;

pub use plans::Planner;
pub use server::Backend;

use tower_lsp_server::{LspService, Server};

/// Serves the protocol on stdin/stdout until the client sends `exit` or closes the pipe.
/// With a `planner`, the server also shows the plan lens and refreshes drift.
pub fn serve_stdio(planner: Option<std::sync::Arc<dyn Planner>>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (outbox, output, writer) = outbox::start(std::io::stdout())?;
    rt.block_on(async {
        let (service, socket) = LspService::new(move |client| Backend::new(client, outbox, planner));
        Server::new(tokio::io::stdin(), output, socket).serve(service).await;
    });
    writer.finish();
    Ok(())
}
