//! The `LanguageServer` implementation: each handler takes a snapshot, converts positions
//! and calls one function of `features` inside a panic guard.

use crate::features;
use crate::guard;
use crate::workspace::{path_of, Published, Snapshot, StackKey, Workspace};
use drove_compiler::source::FileId;
use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

pub struct Backend {
    state: Arc<Mutex<Workspace>>,
    jobs: mpsc::Sender<StackKey>,
}

fn lock(state: &Mutex<Workspace>) -> MutexGuard<'_, Workspace> {
    // A panic while holding the lock happens only outside compiler calls (those are
    // guarded); the workspace is still consistent, so keep serving.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The up-to-date snapshot of a stack, analysing it if an edit made the last one stale.
pub fn snapshot(state: &Mutex<Workspace>, key: &StackKey) -> Arc<Snapshot> {
    let inputs = {
        let mut ws = lock(state);
        if let Some(s) = ws.cached(key) {
            return s;
        }
        ws.inputs(key)
    };
    let snap = Arc::new(inputs.analyze());
    lock(state).store(key, snap.clone());
    snap
}

impl Backend {
    pub fn new(client: Client) -> Self {
        let state = Arc::new(Mutex::new(Workspace::default()));
        let (jobs, rx) = mpsc::channel();
        let handle = tokio::runtime::Handle::current();
        let st = state.clone();
        std::thread::Builder::new()
            .name("drove-analysis".into())
            .spawn(move || publisher(rx, st, client, handle))
            .expect("spawning the analysis thread");
        Backend { state, jobs }
    }

    fn queue(&self, key: StackKey) {
        let _ = self.jobs.send(key);
    }

    /// Runs `f` on the snapshot holding `uri`, guarded.
    fn on_file<T>(&self, uri: &Uri, what: &str, f: impl FnOnce(&Snapshot, FileId) -> Option<T>) -> Result<Option<T>> {
        guard::request(what, || {
            let key = lock(&self.state).stack_of(uri);
            let snap = snapshot(&self.state, &key);
            let path = path_of(uri);
            let id = snap.sources.files.iter().position(|f| f.path == path)?;
            f(&snap, id)
        })
    }
}

/// The analysis thread: takes queued stacks (several edits in a row collapse into one
/// run), analyses, and publishes unless a newer edit arrived meanwhile.
fn publisher(
    rx: mpsc::Receiver<StackKey>,
    state: Arc<Mutex<Workspace>>,
    client: Client,
    handle: tokio::runtime::Handle,
) {
    while let Ok(first) = rx.recv() {
        let mut keys = BTreeSet::from([first]);
        keys.extend(rx.try_iter());
        for key in keys {
            // Compiler calls are guarded inside; this guard keeps the thread alive through a
            // bug anywhere else, so later edits still get diagnostics.
            let _ = guard::catch(|| publish(&state, &client, &handle, &key));
        }
    }
}

fn publish(state: &Mutex<Workspace>, client: &Client, handle: &tokio::runtime::Handle, key: &StackKey) {
    let snap = snapshot(state, key);
    if lock(state).generation(key) != snap.generation {
        return; // a newer edit is queued and will publish
    }
    let per_file = crate::convert::diagnostics_by_file(&snap);
    let now = snap
        .uris
        .iter()
        .zip(&snap.versions)
        .zip(per_file)
        .map(|((uri, &version), diagnostics)| (uri.clone(), Published { version, diagnostics }))
        .collect();
    let (send, gone) = lock(state).changed_diagnostics(key, now);
    for (uri, p) in send {
        handle.block_on(client.publish_diagnostics(uri, p.diagnostics, p.version));
    }
    for uri in gone {
        handle.block_on(client.publish_diagnostics(uri, Vec::new(), None));
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "drove".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: features::capabilities(),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let d = p.text_document;
        let key = lock(&self.state).open(d.uri, d.version, d.text);
        self.queue(key);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        let v = p.text_document;
        let key = lock(&self.state).change(&v.uri, v.version, p.content_changes);
        if let Some(key) = key {
            self.queue(key);
        }
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        let mut ws = lock(&self.state);
        if !ws.is_open(&p.text_document.uri) {
            let key = ws.stack_of(&p.text_document.uri);
            ws.reload(&key);
            drop(ws);
            self.queue(key);
        }
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let key = lock(&self.state).close(&p.text_document.uri);
        self.queue(key);
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        let keys: BTreeSet<StackKey> = {
            let ws = lock(&self.state);
            p.changes.iter().map(|c| ws.stack_of(&c.uri)).collect()
        };
        for key in keys {
            lock(&self.state).reload(&key);
            self.queue(key);
        }
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = p.text_document.uri;
        let text = lock(&self.state).text(&uri).map(str::to_string);
        match text {
            Some(text) => guard::request("formatting", || features::format(&text)),
            None => self.on_file(&uri, "formatting", |s, f| features::format(&s.sources.file(f).text)),
        }
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let p = p.text_document_position_params;
        self.on_file(&p.text_document.uri, "hover", |s, f| features::hover(s, f, p.position))
    }

    async fn goto_definition(&self, p: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let p = p.text_document_position_params;
        self.on_file(&p.text_document.uri, "definition", |s, f| features::definition(s, f, p.position))
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let decl = p.context.include_declaration;
        let p = p.text_document_position;
        self.on_file(&p.text_document.uri, "references", |s, f| features::references(s, f, p.position, decl))
    }

    async fn prepare_rename(&self, p: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let result =
            self.on_file(&p.text_document.uri, "prepareRename", |s, f| features::prepare_rename(s, f, p.position))?;
        result.transpose().map_err(tower_lsp_server::jsonrpc::Error::invalid_params)
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let pos = p.text_document_position;
        let result = self.on_file(&pos.text_document.uri, "rename", |s, f| {
            Some(features::rename(s, f, pos.position, &p.new_name))
        })?;
        match result {
            None => Ok(None),
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(msg)) => Err(tower_lsp_server::jsonrpc::Error::invalid_params(msg)),
        }
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = p.text_document_position;
        self.on_file(&p.text_document.uri, "completion", |s, f| features::completion(s, f, p.position))
    }

    async fn document_symbol(&self, p: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        self.on_file(&p.text_document.uri, "documentSymbol", features::document_symbols)
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        guard::request("workspace/symbol", || {
            let keys = lock(&self.state).stacks();
            let snaps: Vec<_> = keys.iter().map(|k| snapshot(&self.state, k)).collect();
            Some(WorkspaceSymbolResponse::Flat(features::workspace_symbols(&snaps, &p.query)))
        })
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let named = p.context.diagnostics;
        self.on_file(&p.text_document.uri, "codeAction", |s, f| features::code_actions(s, f, p.range, &named))
    }

    async fn semantic_tokens_full(&self, p: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        self.on_file(&p.text_document.uri, "semanticTokens", features::semantic_tokens)
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.on_file(&p.text_document.uri, "inlayHint", |s, f| features::inlay_hints(s, f, p.range))
    }
}
