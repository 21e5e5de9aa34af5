//! The plan lens and the drift refresh: the language server asks the engine, through
//! [`Planner`], what the next apply would do and what changed live. The `drove` binary
//! provides it (this crate links neither the engine nor the AWS SDK). Plans are computed
//! on their own thread after diagnostics were published, so reading a state from S3
//! never delays a diagnostic.

use crate::workspace::{StackKey, Workspace};
use drove_compiler::ide::drift::DriftView;
use drove_compiler::ide::plan_lens::PlanView;
use drove_compiler::model::DesiredState;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

/// What the language server needs of the engine.
pub trait Planner: Send + Sync {
    /// What the next apply would do to `desired`, from the stack's last state (read in
    /// the background and cached) and without calling AWS. `Err` says why there is none
    /// (the state can't be read), in one line.
    fn preview(&self, stack_dir: &Path, desired: &DesiredState, environment: Option<&str>) -> Result<PlanView, String>;

    /// A read-only refresh: what differs live from what the state recorded. Afterwards,
    /// previews of this stack plan against what was read live, so the lens shows the
    /// drift the next apply reverts.
    fn refresh(&self, stack_dir: &Path, desired: &DesiredState, environment: Option<&str>)
        -> Result<DriftView, String>;
}

/// The last plan computed for a stack.
#[derive(Clone)]
pub struct PlanSlot {
    pub outcome: Result<Arc<PlanView>, String>,
    /// The text changed since and no longer checks: the plan shown is that of the last
    /// text that did.
    pub stale: Option<String>,
}

/// Client settings that shape the lens.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The environment plans are made for; the stack's first one when unset.
    pub environment: Option<String>,
    /// The client re-asks for lenses on `workspace/codeLens/refresh`.
    pub lens_refresh: bool,
    /// The client shows code lenses (it said so, or asked for them); no plan is computed
    /// otherwise.
    pub lenses: bool,
}

/// The environment a plan of this analysis is made for.
pub fn environment_of(settings: &Settings, analysis: &drove_compiler::Analysis) -> Option<String> {
    let names = analysis.environment_names();
    match &settings.environment {
        Some(e) if names.contains(&e.as_str()) => Some(e.clone()),
        _ => names.first().map(|n| n.to_string()),
    }
}

/// How long no edit must arrive before a stack is planned.
const QUIET: std::time::Duration = std::time::Duration::from_millis(300);

/// What the plan thread tells the server after computing a stack's plan.
pub type Done = Box<dyn Fn(&StackKey) + Send>;

/// The plan thread: takes stacks whose diagnostics were just published (those queued
/// until a pause collapse into one run each), computes their plans, stores them, and
/// calls `done`.
pub fn worker(
    rx: mpsc::Receiver<StackKey>,
    state: Arc<Mutex<Workspace>>,
    settings: Arc<Mutex<Settings>>,
    planner: Arc<dyn Planner>,
    done: Done,
) {
    while let Ok(first) = rx.recv() {
        let mut keys = BTreeSet::from([first]);
        // While the user types, a plan would only compete with the next edit's analysis for
        // the cores: plan once the stacks have been quiet a moment.
        while let Ok(k) = rx.recv_timeout(QUIET) {
            keys.insert(k);
        }
        for key in keys {
            let settings = settings.lock().map(|s| s.clone()).unwrap_or_default();
            if !settings.lenses {
                continue; // a client without lenses gets no plans
            }
            let planned = crate::guard::catch(|| plan_one(&state, &settings, planner.as_ref(), &key));
            if let Ok(true) = planned {
                done(&key);
            }
        }
    }
}

/// Computes and stores the plan of `key`; whether anything new was stored.
fn plan_one(state: &Mutex<Workspace>, settings: &Settings, planner: &dyn Planner, key: &StackKey) -> bool {
    let snap = crate::server::snapshot(state, key);
    if crate::server::lock(state).generation(key) != snap.generation {
        return false; // a newer edit will plan again
    }
    let Some(analysis) = &snap.analysis else { return false };
    let environment = environment_of(settings, analysis);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let why = format!("the source has {}", drove_compiler::render::counted(errors, "error"));
        return crate::server::lock(state).mark_plan_stale(key, why);
    }
    let outcome = match drove_compiler::compile::compile_in(analysis, environment.as_deref()) {
        Ok(desired) => planner.preview(key, &desired, environment.as_deref()).map(Arc::new),
        Err(e) => Err(e.to_string()),
    };
    crate::server::lock(state).store_plan(key, PlanSlot { outcome, stale: None });
    true
}
