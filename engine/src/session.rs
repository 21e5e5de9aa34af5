//! What the `init`, `plan`, `apply`, `destroy` and `state` commands share: the backend
//! named by the stack block, the AWS provider, and running an operation under the state
//! lock that is released however the operation ends, Ctrl-C included.

use crate::apply::{apply_with_events, ApplyOptions, ApplyReport, Event};
use crate::aws::provider::AwsProvider;
use crate::aws::{RequestCounter, Requests};
use crate::error::{codes, EngineError, Result};
use crate::plan::{plan, Plan, PlanOptions};
use crate::provider::Provider;
pub use crate::state::locked;
use crate::state::{Backend, LocalBackend, S3Backend, State};
use crate::userdata::UserData;
use drove_compiler::model::{DesiredState, StateBackend};
use std::path::Path;
use std::sync::Arc;

pub struct Session {
    pub backend: Box<dyn Backend>,
    s3: Option<S3Backend>,
    /// Where a local state's path (its own and a used stack's) starts from.
    stack_dir: std::path::PathBuf,
    pub provider: Arc<dyn Provider>,
    pub region: String,
    conf: aws_config::SdkConfig,
    stack: String,
    user_data: Option<Arc<UserData>>,
    requests: RequestCounter,
}

impl Session {
    /// The stack's backend (a local path is relative to the stack directory) and the AWS
    /// provider for its region.
    pub async fn open(desired: &DesiredState, stack_dir: &Path) -> Result<Session> {
        let conf = crate::aws::load_config(&desired.stack.region).await;
        Session::with_config(desired, stack_dir, &conf)
    }

    pub fn with_config(desired: &DesiredState, stack_dir: &Path, conf: &aws_config::SdkConfig) -> Result<Session> {
        Session::for_stack(&desired.stack.name, &desired.stack.region, &desired.stack.state, stack_dir, conf)
    }

    /// The session a saved plan names (its stack, region and state backend).
    pub async fn for_plan(plan: &Plan, stack_dir: &Path) -> Result<Session> {
        let conf = crate::aws::load_config(&plan.region).await;
        Session::for_stack(&plan.stack, &plan.region, &plan.backend, stack_dir, &conf)
    }

    pub fn for_stack(
        name: &str,
        region: &str,
        state: &StateBackend,
        stack_dir: &Path,
        conf: &aws_config::SdkConfig,
    ) -> Result<Session> {
        let conf = conf.clone();
        let requests = RequestCounter::default();
        let (backend, s3): (Box<dyn Backend>, Option<S3Backend>) = match state {
            StateBackend::Local { path } => (Box::new(LocalBackend::new(stack_dir.join(path), name)), None),
            StateBackend::S3 { bucket, key } => {
                let client = crate::aws::s3_client_counted(&conf, &requests);
                (
                    Box::new(S3Backend::new(client.clone(), bucket, key, name)),
                    Some(S3Backend::new(client, bucket, key, name)),
                )
            }
        };
        let provider: Arc<dyn Provider> = Arc::new(AwsProvider::counted(&conf, name, region, &requests));
        Ok(Session {
            backend,
            s3,
            stack_dir: stack_dir.to_path_buf(),
            provider,
            region: region.to_string(),
            conf,
            stack: name.to_string(),
            user_data: None,
            requests,
        })
    }

    /// Plans and applies with instances' user data rendered by `user_data` (its secrets
    /// decrypted and files read by the caller, before anything runs).
    /// The rendered user data plans of this session fingerprint instances with, if any.
    pub fn user_data(&self) -> Option<Arc<UserData>> {
        self.user_data.clone()
    }

    pub fn with_user_data(mut self, user_data: Arc<UserData>) -> Session {
        self.provider = Arc::new(
            AwsProvider::counted(&self.conf, &self.stack, &self.region, &self.requests)
                .with_user_data(user_data.clone()),
        );
        self.user_data = Some(user_data);
        self
    }

    fn options(&self, opts: &PlanOptions) -> PlanOptions {
        let mut opts = opts.clone();
        if opts.user_data.is_none() {
            opts.user_data = self.user_data.clone();
        }
        opts
    }

    /// `drove init`: creates and secures the S3 bucket; a local state needs nothing.
    pub async fn init(&self) -> Result<Vec<String>> {
        match &self.s3 {
            Some(s3) => s3.init(&self.region).await,
            None => Ok(vec![format!("the state is the local file {}; nothing to prepare", self.backend.describe())]),
        }
    }

    /// Copies the state the stack kept in the local file `from` (before its stack block
    /// named another backend) into its backend.
    pub async fn migrate_state(&self, from: &Path) -> Result<crate::state::migrate::Migrated> {
        crate::state::migrate::migrate(&LocalBackend::new(from, &self.stack), self.backend.as_ref()).await
    }

    pub async fn plan(&self, desired: &DesiredState, opts: &PlanOptions) -> Result<Plan> {
        let op = if opts.destroy { "plan (destroy)" } else { "plan" };
        let desired = &self.with_uses(desired).await?;
        locked(self.backend.as_ref(), op, async {
            let state = self.backend.read().await?;
            plan(desired, state.as_ref(), self.provider.as_ref(), &self.options(opts)).await
        })
        .await
    }

    /// The states of the stacks `desired` uses, read without their locks: a plan only
    /// reads them, and their own applies may run meanwhile (a value read is the state's
    /// as last written).
    pub async fn used_states(&self, desired: &DesiredState) -> Result<crate::plan::uses::UsedStates> {
        let mut out = crate::plan::uses::UsedStates::new();
        for u in &desired.uses {
            let backend: Box<dyn Backend> = match &u.state {
                StateBackend::Local { path } => {
                    Box::new(LocalBackend::new(self.stack_dir.join(&u.dir).join(path), &u.name))
                }
                StateBackend::S3 { bucket, key } => {
                    let client = crate::aws::s3_client_counted(&self.conf, &self.requests);
                    Box::new(S3Backend::new(client, bucket, key, &u.name))
                }
            };
            let state = backend.read().await.map_err(|e| {
                EngineError::new(
                    codes::USED_STATE,
                    format!(
                        "the state of the stack at `{}` ({}) can't be read: {}",
                        u.path,
                        backend.describe(),
                        e.message
                    ),
                )
                .with_help("a plan reads the states of the stacks its `use` declarations name; nothing was planned")
            })?;
            out.insert(u.path.clone(), state);
        }
        Ok(out)
    }

    /// `desired` with the values it names in used stacks read from their states.
    async fn with_uses(&self, desired: &DesiredState) -> Result<DesiredState> {
        if desired.uses.is_empty() {
            return Ok(desired.clone());
        }
        crate::plan::uses::substitute(desired, &self.used_states(desired).await?)
    }

    /// What changed outside drove since the state was written (`drove plan
    /// --refresh-only`). Reads only: takes no lock, writes nothing.
    pub async fn refresh_only(&self, desired: &DesiredState) -> Result<Plan> {
        let desired = &self.with_uses(desired).await?;
        let state = self.backend.read().await?;
        crate::plan::refresh_only(desired, state.as_ref(), self.provider.as_ref()).await
    }

    /// Makes a fresh plan (when `saved` is `None`) and applies it under one lock, or
    /// applies a saved plan if the state has not moved since it was made. `confirm` sees
    /// the plan first and may decline (returns `Ok(None)`).
    pub async fn apply(
        &self,
        desired: Option<&DesiredState>,
        saved: Option<Plan>,
        plan_opts: &PlanOptions,
        opts: &ApplyOptions,
        confirm: &(dyn Fn(&Plan) -> bool + Sync),
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<Option<(Plan, ApplyReport)>> {
        let lines = |e: &Event| {
            if !matches!(e, Event::Begin { .. }) {
                progress(&e.to_string())
            }
        };
        self.apply_with_events(desired, saved, plan_opts, opts, confirm, &lines).await
    }

    /// `apply`, telling `events` what starts, ends and fails, for a display of its own.
    pub async fn apply_with_events(
        &self,
        desired: Option<&DesiredState>,
        saved: Option<Plan>,
        plan_opts: &PlanOptions,
        opts: &ApplyOptions,
        confirm: &(dyn Fn(&Plan) -> bool + Sync),
        progress: &(dyn Fn(&Event) + Sync),
    ) -> Result<Option<(Plan, ApplyReport)>> {
        let op = if plan_opts.destroy { "destroy" } else { "apply" };
        let resolved = match desired {
            Some(d) if saved.is_none() => Some(self.with_uses(d).await?),
            _ => None,
        };
        let desired = resolved.as_ref().or(desired);
        locked(self.backend.as_ref(), op, async {
            let state = self.backend.read().await?;
            let the_plan = match (saved, desired) {
                (Some(p), _) if p.refresh_only => {
                    return Err(EngineError::new(
                        codes::BAD_PLAN_FILE,
                        "a --refresh-only plan records drift, it has nothing to apply",
                    )
                    .with_help("make a plan from the source (`drove plan --out FILE`) to bring AWS back to it"))
                }
                (Some(p), _) => p,
                (None, Some(d)) => plan(d, state.as_ref(), self.provider.as_ref(), &self.options(plan_opts)).await?,
                (None, None) => {
                    return Err(EngineError::new(codes::BAD_PLAN_FILE, "nothing to apply: no plan and no stack"))
                }
            };
            if !the_plan.has_changes() && the_plan.changes.iter().all(|c| c.notes.is_empty()) {
                return Ok(Some((the_plan, ApplyReport { state, ..Default::default() })));
            }
            if !confirm(&the_plan) {
                return Ok(None);
            }
            let report =
                apply_with_events(&the_plan, state, self.backend.as_ref(), self.provider.clone(), opts, progress)
                    .await?;
            Ok(Some((the_plan, report)))
        })
        .await
    }

    /// The AWS requests this session has sent so far (the provider's and the S3 state's),
    /// retries included; the difference of two snapshots is what happened in between.
    pub fn requests(&self) -> Requests {
        self.requests.snapshot()
    }

    /// `drove state mv FROM TO`: under the lock, the state's resource at FROM and
    /// everything under it take the address TO; the pairs moved.
    pub async fn state_mv(&self, from: &str, to: &str) -> Result<Vec<(String, String)>> {
        locked(self.backend.as_ref(), "state mv", async {
            let mut state = self.backend.read().await?.ok_or_else(|| {
                EngineError::new(codes::UNKNOWN_TARGET, format!("there is no state yet at {}", self.backend.describe()))
            })?;
            let pairs = crate::state::moves::move_addresses(&mut state, from, to)?;
            self.backend.write(&state).await?;
            Ok(pairs)
        })
        .await
    }

    pub async fn read_state(&self) -> Result<Option<State>> {
        self.backend.read().await
    }
}
