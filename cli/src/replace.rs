//! `drove replace ADDRESS [PATH] [--auto-approve] [--skip-drain]`: replaces one instance of
//! a `hosts` declaration (the seed's "kill the sick one") by the rollout's path: the new
//! instance first, what refers to the old one moved over, the old one drained on the host
//! through SSM and terminated, the state written after every call. It is `drove apply
//! --replace ADDRESS` for a stack with nothing else pending, with the engine's checks of
//! what may be replaced (`drove_engine::rollout::replace`). A run interrupted half way is
//! finished by running it again.

use crate::engine_run::{confirm, desired, report, report_in, runtime, stack_dir, user_data};
use crate::output::{color, write, Stream};
use drove_engine::apply::{ApplyOptions, Event};
use drove_engine::aws::Requests;
use drove_engine::plan::{render, Plan};
use drove_engine::rollout::replace;
use drove_engine::session::Session;
use drove_engine::EngineError;
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The instance to replace, e.g. `hosts.app[2]`
    pub address: String,
    /// A stack directory or a single .drove file
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Replace without asking
    #[arg(long)]
    pub auto_approve: bool,
    /// Terminate the old instance without running its role's drain check
    #[arg(long)]
    pub skip_drain: bool,
}

pub fn run(args: &Args) -> u8 {
    let d = match desired(&args.path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let ud = match user_data(d.user_data(), d.sealed()) {
        Ok(u) => u,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let address = args.address.as_str();
    let apply_opts = ApplyOptions { parallelism: 1, skip_drain: args.skip_drain };
    let shown = crate::progress::ApplyProgress::new();
    let progress = |e: &Event| shown.event(e);
    // Why the plan was not shown: it held more than the replacement.
    let refused: Mutex<Option<EngineError>> = Mutex::new(None);
    let result = rt.block_on(async {
        let mut s = Session::open(&d, &stack_dir(&args.path)).await?;
        if let Some(u) = ud {
            s = s.with_user_data(u);
        }
        // Checked before the lock is taken, and the plan again under it.
        let state = s.read_state().await?;
        replace::target(address, &d, state.as_ref())?;
        let opts = replace::plan_options(address, state.as_ref());
        let planned = Mutex::new(Requests::default());
        let ask = |p: &Plan| {
            if let Err(e) = replace::alone(p, address) {
                if let Ok(mut r) = refused.lock() {
                    *r = Some(e);
                }
                return false;
            }
            if let Ok(mut r) = planned.lock() {
                *r = s.requests();
            }
            write(Stream::Stdout, &render::text(p, color(Stream::Stdout)));
            args.auto_approve || confirm(&format!("\nReplace {address}?"))
        };
        let applied = s.apply_with_events(Some(&d), None, &opts, &apply_opts, &ask, &progress).await?;
        let requests = s.requests().since(&planned.lock().map(|r| r.clone()).unwrap_or_default());
        Ok::<_, EngineError>(applied.map(|(plan, rep)| (plan, rep, requests)))
    });
    shown.finish();
    if let Some(e) = refused.lock().ok().and_then(|mut r| r.take()) {
        return report(&e);
    }
    match result {
        Err(e) => report_in(&e, &args.path),
        Ok(None) => {
            write(Stream::Stderr, "Nothing replaced.\n");
            crate::exit::PROBLEMS
        }
        Ok(Some((plan, rep, requests))) => crate::apply::summarize(&plan, &rep, &requests),
    }
}
