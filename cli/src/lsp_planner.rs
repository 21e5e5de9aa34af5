//! What the language server's plan lens and "drove: Refresh" ask of the engine. The
//! stack's last state is read without its lock and cached: a local file until it changes
//! on disk, an S3 state for `S3_FRESH` (and its failures as long, so an editor without
//! credentials is told once and not made to wait on every keystroke).

use drove_compiler::ide::drift::DriftView;
use drove_compiler::ide::plan_lens::PlanView;
use drove_compiler::model::{DesiredState, StateBackend};
use drove_engine::plan::preview;
use drove_engine::plan::uses::UsedStates;
use drove_engine::state::{Backend, LocalBackend, State};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// How long an S3 state (or why it could not be read) is used before reading it again.
const S3_FRESH: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct EnginePlanner {
    states: Mutex<HashMap<PathBuf, Cached>>,
}

struct Cached {
    backend: StateBackend,
    read: Instant,
    /// A local state file's modification time when it was read.
    modified: Option<SystemTime>,
    state: Result<Option<State>, String>,
    /// What the last refresh found live, for the state of this serial.
    refreshed: Option<(u64, State)>,
}

impl Cached {
    /// What the last refresh read while the state is still the one it refreshed, else the
    /// state (or why it can't be read).
    fn usable(&self) -> Result<Option<State>, String> {
        match (&self.state, &self.refreshed) {
            (Ok(Some(s)), Some((serial, live))) if *serial == s.serial => Ok(Some(live.clone())),
            (state, _) => state.clone(),
        }
    }
}

fn key(stack_dir: &Path, desired: &DesiredState) -> PathBuf {
    // A stack's environments keep their states apart: the backend names tell them apart.
    stack_dir.join(format!("{:?}", desired.stack.state))
}

fn modified(stack_dir: &Path, backend: &StateBackend) -> Option<SystemTime> {
    match backend {
        StateBackend::Local { path } => std::fs::metadata(stack_dir.join(path)).and_then(|m| m.modified()).ok(),
        StateBackend::S3 { .. } => None,
    }
}

/// Runs the engine's async work on a runtime of its own, on a thread of its own: the
/// callers are the language server's threads, which may be inside its runtime.
fn run<T: Send>(work: impl std::future::Future<Output = Result<T, String>> + Send) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?;
            rt.block_on(work)
        })
        .join()
        .unwrap_or_else(|_| Err("the state reader failed".into()))
    })
}

async fn read_state(stack_dir: &Path, desired: &DesiredState) -> Result<Option<State>, String> {
    let s = &desired.stack;
    read_state_at(stack_dir, &s.name, &s.region, &s.state).await.map_err(|e| format!("cannot read the state: {e}"))
}

/// The state a stack named `name` keeps in `state` (a local path relative to `dir`),
/// read without its lock.
async fn read_state_at(dir: &Path, name: &str, region: &str, state: &StateBackend) -> Result<Option<State>, String> {
    let shown = |e: drove_engine::EngineError| e.message;
    match state {
        StateBackend::Local { path } => LocalBackend::new(dir.join(path), name).read().await.map_err(shown),
        #[cfg(feature = "aws")]
        StateBackend::S3 { .. } => {
            let conf = drove_engine::aws::load_config(region).await;
            let session = drove_engine::session::Session::for_stack(name, region, state, dir, &conf).map_err(shown)?;
            session.read_state().await.map_err(shown)
        }
        #[cfg(not(feature = "aws"))]
        StateBackend::S3 { .. } => {
            let _ = region;
            Err("this drove was built without AWS support: an S3 state can't be read".into())
        }
    }
}

/// The user data renderer when the keys are at hand; without them the preview takes
/// the recorded user data and says so.
fn user_data(desired: &DesiredState) -> Option<std::sync::Arc<drove_engine::userdata::UserData>> {
    let documents: Vec<_> = desired.user_data().collect();
    let sealed: Vec<_> = desired.sealed().collect();
    if documents.is_empty() && sealed.is_empty() {
        return None;
    }
    drove_engine::userdata::UserData::open(documents, sealed, drove_compiler::secrets::Keyring::from_env)
        .ok()
        .map(std::sync::Arc::new)
}

impl EnginePlanner {
    /// The state to plan against: the cached one while it is fresh, what the last refresh
    /// read while the state has not moved since.
    fn state(&self, stack_dir: &Path, desired: &DesiredState) -> Result<Option<State>, String> {
        let k = key(stack_dir, desired);
        let now_modified = modified(stack_dir, &desired.stack.state);
        {
            let cache = self.states.lock().map_err(|_| "the state cache failed")?;
            if let Some(c) = cache.get(&k) {
                let fresh = match &c.backend {
                    StateBackend::Local { .. } => c.modified == now_modified,
                    StateBackend::S3 { .. } => c.read.elapsed() < S3_FRESH,
                };
                if fresh && c.backend == desired.stack.state {
                    return c.usable();
                }
            }
        }
        let state = run(read_state(stack_dir, desired));
        let mut cache = self.states.lock().map_err(|_| "the state cache failed")?;
        let refreshed = cache.remove(&k).and_then(|c| c.refreshed);
        let cached = Cached {
            backend: desired.stack.state.clone(),
            read: Instant::now(),
            modified: now_modified,
            state,
            refreshed,
        };
        let usable = cached.usable();
        cache.insert(k, cached);
        usable
    }
}

/// The states of the stacks `desired` uses, read as a plan reads them (read-only).
async fn used_states(stack_dir: &Path, desired: &DesiredState) -> Result<UsedStates, String> {
    let mut out = UsedStates::new();
    for u in &desired.uses {
        let state = read_state_at(&stack_dir.join(&u.dir), &u.name, &u.region, &u.state)
            .await
            .map_err(|e| format!("cannot read the state of the stack at `{}`: {e}", u.path))?;
        out.insert(u.path.clone(), state);
    }
    Ok(out)
}

impl drove_lsp::Planner for EnginePlanner {
    fn preview(&self, stack_dir: &Path, desired: &DesiredState, environment: Option<&str>) -> Result<PlanView, String> {
        let state = self.state(stack_dir, desired)?;
        // Names of used stacks take the values their states hold, as the plan does.
        let resolved;
        let desired = if desired.uses.is_empty() {
            desired
        } else {
            let states = run(used_states(stack_dir, desired))?;
            resolved = drove_engine::plan::uses::substitute(desired, &states).map_err(|e| e.message.clone())?;
            &resolved
        };
        let env = environment.map(str::to_string);
        run(async {
            preview::preview(desired, state.as_ref(), user_data(desired), env).await.map_err(|e| e.message.clone())
        })
    }

    #[cfg(feature = "aws")]
    fn refresh(
        &self,
        stack_dir: &Path,
        desired: &DesiredState,
        environment: Option<&str>,
    ) -> Result<DriftView, String> {
        let (state, plan) = run(async {
            let session =
                drove_engine::session::Session::open(desired, stack_dir).await.map_err(|e| e.message.clone())?;
            let state = session.read_state().await.map_err(|e| e.message.clone())?;
            let plan = session.refresh_only(desired).await.map_err(|e| e.message.clone())?;
            Ok((state, plan))
        })?;
        if let Some(state) = &state {
            let live = preview::as_refreshed(state, &plan);
            let mut cache = self.states.lock().map_err(|_| "the state cache failed")?;
            cache.insert(
                key(stack_dir, desired),
                Cached {
                    backend: desired.stack.state.clone(),
                    read: Instant::now(),
                    modified: modified(stack_dir, &desired.stack.state),
                    state: Ok(Some(state.clone())),
                    refreshed: Some((state.serial, live)),
                },
            );
        }
        Ok(preview::drift_view(&plan, environment.map(str::to_string)))
    }

    #[cfg(not(feature = "aws"))]
    fn refresh(&self, _: &Path, _: &DesiredState, _: Option<&str>) -> Result<DriftView, String> {
        Err("this drove was built without AWS support: nothing can be refreshed".into())
    }
}
