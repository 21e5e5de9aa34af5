//! The `LanguageServer` implementation: each handler takes a snapshot, converts positions
//! and calls one function of `features` inside a panic guard.

use crate::convert;
use crate::features;
use crate::guard;
use crate::lens;
use crate::outbox::Outbox;
use crate::plans::{self, Done, Planner, Settings};
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
    client: Client,
    settings: Arc<Mutex<Settings>>,
    planner: Option<Arc<dyn Planner>>,
    plans: Option<mpsc::Sender<StackKey>>,
    /// The repository's stacks, indexed in the background for workspace symbols and
    /// references from other stacks.
    repo: crate::repo_index::RepoIndex,
}

pub(crate) fn lock(state: &Mutex<Workspace>) -> MutexGuard<'_, Workspace> {
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
    /// A server; with a `planner`, it also shows the plan lens and refreshes drift.
    /// Diagnostics go out through `outbox`, the rest through `client`.
    pub fn new(client: Client, outbox: Outbox, planner: Option<Arc<dyn Planner>>) -> Self {
        let state = Arc::new(Mutex::new(Workspace::default()));
        let settings = Arc::new(Mutex::new(Settings::default()));
        let handle = tokio::runtime::Handle::current();
        let plans = planner.clone().map(|planner| {
            let (tx, rx) = mpsc::channel();
            let (st, set, client, handle) = (state.clone(), settings.clone(), client.clone(), handle.clone());
            let done: Done = Box::new({
                let (st, set, outbox) = (state.clone(), settings.clone(), outbox.clone());
                move |key| {
                    publish(&st, &outbox, key);
                    if set.lock().is_ok_and(|s| s.lens_refresh) {
                        let _ = handle.block_on(client.code_lens_refresh());
                    }
                }
            });
            std::thread::Builder::new()
                .name("drove-plan".into())
                .spawn(move || plans::worker(rx, st, set, planner, done))
                .expect("spawning the plan thread");
            tx
        });
        let (jobs, rx) = mpsc::channel();
        let (st, after) = (state.clone(), plans.clone());
        std::thread::Builder::new()
            .name("drove-analysis".into())
            .spawn(move || publisher(rx, st, outbox, after))
            .expect("spawning the analysis thread");
        Backend { state, jobs, client, settings, planner, plans, repo: Default::default() }
    }

    fn plan_later(&self, key: StackKey) {
        if let Some(p) = &self.plans {
            let _ = p.send(key);
        }
    }

    fn queue(&self, key: StackKey) {
        let _ = self.jobs.send(key);
    }

    /// "drove: Refresh": a read-only refresh off the protocol thread; its drift becomes
    /// diagnostics and the lens plans against what was read. Answers a one-line summary.
    async fn refresh(&self, key: StackKey) -> Result<LSPAny> {
        let Some(planner) = self.planner.clone() else { return Ok(LSPAny::Null) };
        let snap = snapshot(&self.state, &key);
        let settings = self.settings.lock().map(|s| s.clone()).unwrap_or_default();
        let outcome = tokio::task::spawn_blocking(move || {
            guard::catch(|| {
                let a = snap.analysis.as_ref().ok_or("the compiler failed on this text")?;
                let env = plans::environment_of(&settings, a);
                let desired = drove_compiler::compile::compile_in(a, env.as_deref()).map_err(|e| e.to_string())?;
                planner.refresh(&key, &desired, env.as_deref()).map(|v| (key, v))
            })
            .unwrap_or_else(Err)
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match outcome {
            Ok((key, view)) => {
                let summary = match view.drifts.len() {
                    0 => format!("drove: no drift: the {} resources read match the state", view.checked),
                    n => format!("drove: {n} of {} resources changed outside drove", view.checked),
                };
                lock(&self.state).store_drift(&key, view);
                self.queue(key.clone());
                self.plan_later(key);
                self.client.show_message(MessageType::INFO, &summary).await;
                Ok(LSPAny::String(summary))
            }
            Err(why) => {
                let msg = format!("drove: refresh failed: {why}");
                self.client.show_message(MessageType::ERROR, &msg).await;
                Err(tower_lsp_server::jsonrpc::Error {
                    code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                    message: msg.into(),
                    data: None,
                })
            }
        }
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
    outbox: Outbox,
    plans: Option<mpsc::Sender<StackKey>>,
) {
    while let Ok(first) = rx.recv() {
        let mut keys = BTreeSet::from([first]);
        keys.extend(rx.try_iter());
        // The stacks using an edited one are analysed after it: their names of it changed.
        let dependents: BTreeSet<StackKey> =
            keys.iter().flat_map(|k| lock(&state).dependents(k)).filter(|d| !keys.contains(d)).collect();
        for key in keys.into_iter().chain(dependents) {
            // Compiler calls are guarded inside; this guard keeps the thread alive through a
            // bug anywhere else, so later edits still get diagnostics.
            let _ = guard::catch(|| publish(&state, &outbox, &key));
            if let Some(p) = &plans {
                let _ = p.send(key);
            }
        }
    }
}

/// The plan's warnings and the drift shown for a stack, for its current snapshot.
fn extra_diagnostics(
    state: &Mutex<Workspace>,
    key: &StackKey,
    snap: &Snapshot,
) -> Vec<drove_compiler::diag::Diagnostic> {
    let (slot, drift) = {
        let ws = lock(state);
        (ws.plan(key), ws.drift(key))
    };
    guard::catch(|| lens::extra_diagnostics(snap, slot.as_ref(), drift.as_ref())).unwrap_or_default()
}

fn publish(state: &Mutex<Workspace>, outbox: &Outbox, key: &StackKey) {
    let snap = snapshot(state, key);
    if lock(state).generation(key) != snap.generation {
        return; // a newer edit is queued and will publish
    }
    let limit = lock(state).diagnostics_limit;
    let per_file = crate::convert::diagnostics_by_file(&snap, &extra_diagnostics(state, key, &snap), limit);
    let now = snap
        .uris
        .iter()
        .zip(&snap.versions)
        .zip(per_file)
        .map(|((uri, &version), diagnostics)| (uri.clone(), Published { version, diagnostics }))
        .collect();
    let (send, gone) = lock(state).changed_diagnostics(key, now);
    use tower_lsp_server::ls_types::notification::PublishDiagnostics;
    for (uri, p) in send {
        outbox.notify::<PublishDiagnostics>(&PublishDiagnosticsParams {
            uri,
            diagnostics: p.diagnostics,
            version: p.version,
        });
    }
    for uri in gone {
        outbox.notify::<PublishDiagnostics>(&PublishDiagnosticsParams { uri, diagnostics: Vec::new(), version: None });
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, p: InitializeParams) -> Result<InitializeResult> {
        let mut capabilities = features::capabilities();
        #[allow(deprecated)] // `root_uri` is what older clients (Neovim 0.7) send
        let folder =
            p.workspace_folders.as_ref().and_then(|f| f.first()).map(|f| f.uri.clone()).or_else(|| p.root_uri.clone());
        if let Some(folder) = folder.filter(|u| u.scheme().as_str() == "file") {
            self.repo.build_in_background(path_of(&folder));
        }
        let options = p.initialization_options.as_ref();
        if let Some(n) = options.and_then(|o| o.get("maxDiagnosticsPerFile")).and_then(|n| n.as_u64()) {
            lock(&self.state).diagnostics_limit = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if self.planner.is_some() {
            let mut s = self.settings.lock().unwrap_or_else(|p| p.into_inner());
            s.environment = p
                .initialization_options
                .as_ref()
                .and_then(|o| o.get("environment"))
                .and_then(|e| e.as_str())
                .map(str::to_string);
            s.lenses = p.capabilities.text_document.as_ref().is_some_and(|t| t.code_lens.is_some());
            s.lens_refresh = p
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false);
            capabilities.code_lens_provider = Some(CodeLensOptions { resolve_provider: Some(false) });
            capabilities.execute_command_provider = Some(ExecuteCommandOptions {
                commands: vec![lens::PLAN_TEXT.into(), lens::REFRESH.into(), lens::REVERT.into()],
                work_done_progress_options: Default::default(),
            });
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "drove".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities,
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
        self.repo.refresh(ws.stack_of(&p.text_document.uri));
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
        let uri = p.text_document.uri.clone();
        let found = self.on_file(&uri, "references", |s, f| {
            Some((features::references(s, f, p.position, decl), features::declaration_at(s, f, p.position)))
        })?;
        let Some((mut own, declared)) = found else { return Ok(None) };
        // Other stacks name it through their `use` of this one.
        if let Some((kind, name)) = declared {
            let key = lock(&self.state).stack_of(&uri);
            let text = |path: &std::path::Path| lock(&self.state).text_of(path);
            let across = self.repo.references(&key, kind, &name, &text);
            own.get_or_insert_with(Vec::new).extend(across);
        }
        Ok(own)
    }

    async fn prepare_rename(&self, p: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let result =
            self.on_file(&p.text_document.uri, "prepareRename", |s, f| features::prepare_rename(s, f, p.position))?;
        result.transpose().map_err(tower_lsp_server::jsonrpc::Error::invalid_params)
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let pos = p.text_document_position;
        let uri = pos.text_document.uri.clone();
        let result = self.on_file(&uri, "rename", |s, f| {
            Some((features::rename(s, f, pos.position, &p.new_name), features::declaration_at(s, f, pos.position)))
        })?;
        match result {
            None => Ok(None),
            Some((Ok(mut edit), declared)) => {
                // The stacks using this one name it too: their uses follow the rename.
                if let Some((kind, name)) = declared {
                    let key = lock(&self.state).stack_of(&uri);
                    let text = |path: &std::path::Path| lock(&self.state).text_of(path);
                    let changes = edit.changes.get_or_insert_with(Default::default);
                    for l in self.repo.references(&key, kind, &name, &text) {
                        changes
                            .entry(l.uri)
                            .or_default()
                            .push(TextEdit { range: l.range, new_text: p.new_name.clone() });
                    }
                }
                Ok(Some(edit))
            }
            Some((Err(msg), _)) => Err(tower_lsp_server::jsonrpc::Error::invalid_params(msg)),
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
            let mut out = features::workspace_symbols(&snaps, &p.query);
            // Stacks not open come from the repository's index, as saved.
            out.extend(
                self.repo.symbols(&p.query, &keys).into_iter().map(|(k, n, l)| features::symbol_information(k, n, l)),
            );
            Some(WorkspaceSymbolResponse::Flat(out))
        })
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let named = p.context.diagnostics;
        let key = lock(&self.state).stack_of(&p.text_document.uri);
        let drift_code = lock(&self.state).drift(&key).map(|(v, _)| v.code);
        self.on_file(&p.text_document.uri, "codeAction", |s, f| {
            let extra = extra_diagnostics(&self.state, &key, s);
            let mut actions = features::code_actions(s, f, p.range, &named, &extra)?;
            if let Some(code) = drift_code {
                let src = s.sources.files.get(f)?;
                let span = (convert::offset(src, p.range.start), convert::offset(src, p.range.end));
                actions.extend(lens::revert_actions(s, f, code, &extra, span));
            }
            Some(actions)
        })
    }

    async fn code_lens(&self, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        if self.planner.is_none() {
            return Ok(None);
        }
        let key = lock(&self.state).stack_of(&p.text_document.uri);
        // Neovim 0.7 asks for lenses without declaring it can show them: asking is enough.
        let asked_first = {
            let mut s = self.settings.lock().unwrap_or_else(|p| p.into_inner());
            !std::mem::replace(&mut s.lenses, true)
        };
        if asked_first {
            self.plan_later(key.clone());
        }
        let slot = lock(&self.state).plan(&key);
        self.on_file(&p.text_document.uri, "codeLens", |s, f| lens::code_lenses(s, f, slot.as_ref()))
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        let arg = |i: usize| p.arguments.get(i).and_then(|a| a.as_str()).map(str::to_string);
        let Some(uri) = arg(0).and_then(|u| u.parse::<Uri>().ok()) else {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params("the first argument is a document URI"));
        };
        let key = lock(&self.state).stack_of(&uri);
        match p.command.as_str() {
            lens::PLAN_TEXT => {
                let text = match lock(&self.state).plan(&key).map(|s| s.outcome) {
                    Some(Ok(view)) => view.text.clone(),
                    Some(Err(why)) => format!("no plan: {why}\n"),
                    None => "no plan yet: the last state is being read\n".into(),
                };
                Ok(Some(LSPAny::String(text)))
            }
            lens::REFRESH => self.refresh(key).await.map(Some),
            lens::REVERT => {
                let Some(address) = arg(1) else {
                    return Err(tower_lsp_server::jsonrpc::Error::invalid_params("the second argument is an address"));
                };
                lock(&self.state).revert(&key, address);
                self.queue(key);
                Ok(None)
            }
            other => Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!("unknown command {other}"))),
        }
    }

    async fn semantic_tokens_full(&self, p: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        self.on_file(&p.text_document.uri, "semanticTokens", features::semantic_tokens)
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.on_file(&p.text_document.uri, "inlayHint", |s, f| features::inlay_hints(s, f, p.range))
    }
}
