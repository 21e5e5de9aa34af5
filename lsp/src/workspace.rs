//! Which files make a stack, and the analysed snapshot of each stack.
//!
//! A stack is the directory of a `.drove` file (as `drove check DIR` sees it): every
//! `*.drove` file in it, with open buffers taking the place of their file on disk. Every
//! edit bumps the stack's generation; a snapshot remembers the generation it was built
//! from, so a result computed for older text is recognised and dropped.

use crate::docs::{Applied, Document};
use crate::guard;
use crate::plans::PlanSlot;
use drove_compiler::ide::drift::DriftView;
use drove_compiler::ide::Index;
use drove_compiler::source::Sources;
use drove_compiler::Analysis;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{Diagnostic, TextDocumentContentChangeEvent, Uri};

/// The stack directory; for a buffer with no file behind it (`untitled:`), its URI.
pub type StackKey = PathBuf;

/// One analysed state of a stack.
pub struct Snapshot {
    pub generation: u64,
    pub sources: Sources,
    /// The URI and, for open buffers, the version of every file, by `FileId`.
    pub uris: Vec<Uri>,
    pub versions: Vec<Option<i32>>,
    /// `None` when the compiler panicked on this text (reported to the client as an error).
    pub analysis: Option<Analysis>,
    pub index: Index,
    /// The open buffers' texts when it was analysed (used stacks' files among them).
    pub overlay: Arc<HashMap<PathBuf, String>>,
}

#[derive(Default)]
struct Stack {
    /// `*.drove` files on disk, read when the stack is first seen and again when the client
    /// reports a saved, closed or changed file.
    disk: BTreeMap<PathBuf, String>,
    generation: u64,
    cache: Option<Arc<Snapshot>>,
    /// What each file got last time: sent again only when it changed, and cleared when
    /// the file left the stack.
    published: BTreeMap<Uri, Published>,
    /// The last plan computed for the lens.
    plan: Option<PlanSlot>,
    /// The last refresh's drift, and the addresses left for the next apply to revert.
    drift: Option<Arc<DriftView>>,
    reverting: BTreeSet<String>,
    /// The directories of the stacks its last analysis used: an edit there analyses it again.
    uses: Vec<PathBuf>,
}

pub struct Workspace {
    docs: HashMap<PathBuf, (Uri, Document)>,
    stacks: HashMap<StackKey, Stack>,
    /// At most this many diagnostics are published for a file (0: all); the client's
    /// `maxDiagnosticsPerFile`.
    pub diagnostics_limit: usize,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace { docs: HashMap::new(), stacks: HashMap::new(), diagnostics_limit: crate::convert::DEFAULT_LIMIT }
    }
}

/// The path a URI stands for; URIs that are not files keep their text as a pseudo path.
pub fn path_of(uri: &Uri) -> PathBuf {
    if uri.scheme().as_str() == "file" {
        if let Some(p) = uri.to_file_path() {
            return p.into_owned();
        }
    }
    PathBuf::from(uri.as_str())
}

fn is_drove(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "drove")
}

impl Workspace {
    pub fn stack_of(&self, uri: &Uri) -> StackKey {
        let path = path_of(uri);
        if uri.scheme().as_str() == "file" && is_drove(&path) {
            if let Some(dir) = path.parent() {
                return dir.to_path_buf();
            }
        }
        path
    }

    fn stack_mut(&mut self, key: &StackKey) -> &mut Stack {
        self.stacks.entry(key.clone()).or_insert_with(|| Stack { disk: read_dir(key), ..Stack::default() })
    }

    fn touch(&mut self, key: &StackKey) {
        let s = self.stack_mut(key);
        s.generation += 1;
        s.cache = None;
    }

    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> StackKey {
        let key = self.stack_of(&uri);
        self.docs.insert(path_of(&uri), (uri, Document::new(version, text)));
        self.touch(&key);
        key
    }

    /// Applies a change in version order; `None` when nothing changed yet.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<StackKey> {
        let (_, doc) = self.docs.get_mut(&path_of(uri))?;
        match doc.change(version, changes) {
            Applied::Changed => {
                let key = self.stack_of(uri);
                self.touch(&key);
                Some(key)
            }
            Applied::Stale => None,
        }
    }

    pub fn close(&mut self, uri: &Uri) -> StackKey {
        self.docs.remove(&path_of(uri));
        let key = self.stack_of(uri);
        self.reload(&key);
        key
    }

    /// Re-reads the stack's files from disk (after a save, a close, or a watched-file event).
    pub fn reload(&mut self, key: &StackKey) {
        let disk = read_dir(key);
        self.stack_mut(key).disk = disk;
        self.touch(key);
    }

    pub fn is_open(&self, uri: &Uri) -> bool {
        self.docs.contains_key(&path_of(uri))
    }

    /// An open buffer's text by its path.
    pub fn text_of(&self, path: &Path) -> Option<String> {
        self.docs.get(path).map(|(_, d)| d.text.clone())
    }

    pub fn text(&self, uri: &Uri) -> Option<&str> {
        self.docs.get(&path_of(uri)).map(|(_, d)| d.text.as_str())
    }

    pub fn generation(&self, key: &StackKey) -> u64 {
        self.stacks.get(key).map_or(0, |s| s.generation)
    }

    pub fn stacks(&self) -> Vec<StackKey> {
        self.stacks.keys().cloned().collect()
    }

    /// The current snapshot, if it is up to date.
    pub fn cached(&self, key: &StackKey) -> Option<Arc<Snapshot>> {
        let s = self.stacks.get(key)?;
        s.cache.clone().filter(|c| c.generation == s.generation)
    }

    /// The texts to analyse, in path order (as `drove check` orders them).
    pub fn inputs(&mut self, key: &StackKey) -> Inputs {
        let generation = self.stack_mut(key).generation;
        let mut files: BTreeMap<PathBuf, (Uri, Option<i32>, String)> = BTreeMap::new();
        if let Some(s) = self.stacks.get(key) {
            for (path, text) in &s.disk {
                if let Some(uri) = Uri::from_file_path(path) {
                    files.insert(path.clone(), (uri, None, text.clone()));
                }
            }
        }
        for (path, (uri, doc)) in &self.docs {
            if self.stack_of(uri) == *key {
                files.insert(path.clone(), (uri.clone(), Some(doc.version), doc.text.clone()));
            }
        }
        // Stacks this one uses are read with the editor's text of their open files.
        let overlay: HashMap<PathBuf, String> =
            self.docs.iter().map(|(path, (_, doc))| (path.clone(), doc.text.clone())).collect();
        let mut inputs = Inputs {
            generation,
            sources: Sources::default(),
            uris: Vec::new(),
            versions: Vec::new(),
            overlay: Arc::new(overlay),
        };
        for (path, (uri, version, text)) in files {
            inputs.sources.add(path, text);
            inputs.uris.push(uri);
            inputs.versions.push(version);
        }
        inputs
    }

    /// Keeps a snapshot unless the stack changed while it was computed.
    pub fn store(&mut self, key: &StackKey, snap: Arc<Snapshot>) -> bool {
        let Some(s) = self.stacks.get_mut(key) else { return false };
        if s.generation != snap.generation {
            return false;
        }
        s.uses = snap
            .analysis
            .as_ref()
            .map(|a| a.stack.uses.iter().filter_map(|u| u.target.as_ref().map(|t| t.dir.clone())).collect())
            .unwrap_or_default();
        s.cache = Some(snap);
        true
    }

    /// The stacks known here whose last analysis used the stack `key`, each made stale so
    /// it is analysed again with the used stack's new text.
    pub fn dependents(&mut self, key: &StackKey) -> Vec<StackKey> {
        let dir = drove_compiler::uses::absolute(key);
        let found: Vec<StackKey> =
            self.stacks.iter().filter(|(k, s)| *k != key && s.uses.contains(&dir)).map(|(k, _)| k.clone()).collect();
        for k in &found {
            self.touch(k);
        }
        found
    }

    pub fn store_plan(&mut self, key: &StackKey, slot: PlanSlot) {
        self.stack_mut(key).plan = Some(slot);
    }

    /// The text does not check: the plan shown stays the last one made,
    /// marked with why. Whether that changed anything.
    pub fn mark_plan_stale(&mut self, key: &StackKey, why: String) -> bool {
        let s = self.stack_mut(key);
        match &mut s.plan {
            Some(p) if p.stale.as_deref() != Some(why.as_str()) => {
                p.stale = Some(why);
                true
            }
            Some(_) => false,
            None => {
                s.plan = Some(PlanSlot { outcome: Err(why), stale: None });
                true
            }
        }
    }

    pub fn plan(&self, key: &StackKey) -> Option<PlanSlot> {
        self.stacks.get(key).and_then(|s| s.plan.clone())
    }

    pub fn store_drift(&mut self, key: &StackKey, drift: DriftView) {
        let s = self.stack_mut(key);
        s.drift = Some(Arc::new(drift));
        s.reverting.clear();
    }

    /// The drift to show, and the addresses left to the next apply.
    pub fn drift(&self, key: &StackKey) -> Option<(Arc<DriftView>, BTreeSet<String>)> {
        let s = self.stacks.get(key)?;
        Some((s.drift.clone()?, s.reverting.clone()))
    }

    /// "Revert on next apply": the drift of `address` is no longer shown.
    pub fn revert(&mut self, key: &StackKey, address: String) {
        self.stack_mut(key).reverting.insert(address);
    }

    /// Records what each file of the stack has now; returns what differs from what it got
    /// last time, and the files to clear. An edit elsewhere in a stack of thousands of
    /// warnings leaves most files' lists as they were, and sending one again costs the
    /// server and the editor as much as the first time.
    pub fn changed_diagnostics(
        &mut self,
        key: &StackKey,
        now: Vec<(Uri, Published)>,
    ) -> (Vec<(Uri, Published)>, Vec<Uri>) {
        let s = self.stack_mut(key);
        let mut before = std::mem::take(&mut s.published);
        let mut send = Vec::new();
        for (uri, p) in now {
            if before.remove(&uri).as_ref() != Some(&p) {
                send.push((uri.clone(), p.clone()));
            }
            s.published.insert(uri, p);
        }
        (send, before.into_keys().collect())
    }
}

/// The diagnostics of one file as published, with the document version they are for.
#[derive(Clone, PartialEq)]
pub struct Published {
    pub version: Option<i32>,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Inputs {
    pub generation: u64,
    pub sources: Sources,
    pub uris: Vec<Uri>,
    pub versions: Vec<Option<i32>>,
    /// The text of every open buffer, by path.
    pub overlay: Arc<HashMap<PathBuf, String>>,
}

impl Inputs {
    /// Runs the compiler. A panic inside it leaves `analysis` empty instead of taking the
    /// server down.
    pub fn analyze(self) -> Snapshot {
        let overlay = self.overlay.clone();
        let loader = drove_compiler::repo::DiskLoader::with_overlay(move |p| overlay.get(p).cloned());
        let analysis = guard::catch(|| drove_compiler::analysis::analyze_with(&self.sources, &loader)).ok();
        let index = analysis.as_ref().and_then(|a| guard::catch(|| Index::build(&a.stack)).ok()).unwrap_or_default();
        Snapshot {
            generation: self.generation,
            sources: self.sources,
            uris: self.uris,
            versions: self.versions,
            analysis,
            index,
            overlay: self.overlay,
        }
    }
}

fn read_dir(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if is_drove(&p) && p.is_file() {
            // A file that is not UTF-8 is left out here; `drove check` reports it.
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.insert(p, text);
            }
        }
    }
    out
}
