//! `drove apply [PATH | PLANFILE] [--auto-approve]` and `drove destroy [PATH] [--auto-approve]`

use crate::engine_run::{confirm, desired, report, report_in, runtime, stack_dir, user_data};
use crate::output::{color, write, Stream};
use drove_compiler::model::{instance, parameter, Instance, Parameter};
use drove_engine::apply::{ApplyOptions, ApplyReport, Event};
use drove_engine::aws::Requests;
use drove_engine::plan::{render, Action, Plan, PlanOptions};
use drove_engine::session::Session;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stack directory or .drove file, or a plan saved with `drove plan --out`
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Apply without asking
    #[arg(long)]
    pub auto_approve: bool,
    /// How many changes may run at once
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Only this resource address and what it needs (repeatable)
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Allow deleting more than the stack's max_delete / max_zone_delete share
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Replace this resource even if nothing forces it; the only way to replace a protected one (repeatable)
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Terminate instances without running their role's drain check
    #[arg(long)]
    pub skip_drain: bool,
}

#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    /// A stack directory or a single .drove file
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Destroy without asking
    #[arg(long)]
    pub auto_approve: bool,
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Terminate instances without running their role's drain check
    #[arg(long)]
    pub skip_drain: bool,
}

pub fn run(args: &Args) -> u8 {
    if crate::repo_run::is_root(&args.path) {
        return repository(args);
    }
    let opts = PlanOptions {
        targets: args.targets.clone(),
        allow_mass_delete: args.allow_mass_delete,
        destroy: false,
        user_data: None,
        replace: args.replace.clone(),
        offline: false,
    };
    let apply_opts = ApplyOptions { parallelism: args.parallelism, skip_drain: args.skip_drain };
    let input = match crate::saved_plan::classify(&args.path) {
        Ok(i) => i,
        Err(e) => {
            return crate::output::fail(format!(
                "{e}\n  help: `drove apply` takes a stack directory, a .drove file, or a plan saved with `drove plan --out FILE`"
            ))
        }
    };
    if let crate::saved_plan::Input::Plan(text) = input {
        let plan = match Plan::parse(&text, &args.path.display().to_string()) {
            Ok(p) => p,
            Err(e) => return report(&e),
        };
        let stack_path = PathBuf::from(plan.stack_path.as_deref().unwrap_or("."));
        if let Err(e) = reviewed_sources(&plan, &stack_path, &args.path) {
            return report(&e);
        }
        let launched: Vec<Instance> = plan
            .changes
            .iter()
            .filter(|c| c.kind == instance::KIND && matches!(c.action, Action::Create | Action::Replace))
            .filter_map(|c| serde_json::from_value(c.after.clone()).ok())
            .collect();
        let written: Vec<Parameter> = plan
            .changes
            .iter()
            .filter(|c| {
                c.kind == parameter::KIND && matches!(c.action, Action::Create | Action::Update | Action::Replace)
            })
            .filter_map(|c| serde_json::from_value(c.after.clone()).ok())
            .collect();
        let ud = match user_data(launched.iter().filter_map(|i| i.user_data.as_ref()), written.iter().map(|p| &p.value))
        {
            Ok(u) => u,
            Err(code) => return code,
        };
        return execute(None, Some(plan), &stack_path, &opts, ud, args.auto_approve, &apply_opts);
    }
    let d = match desired(&args.path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let ud = match user_data(d.user_data(), d.sealed()) {
        Ok(u) => u,
        Err(code) => return code,
    };
    execute(Some(&d), None, &args.path, &opts, ud, args.auto_approve, &apply_opts)
}

/// Every stack of a repository root in order, each applied as `drove apply STACK` would
/// with the same options; what names one stack's resources is refused here.
fn repository(args: &Args) -> u8 {
    if !args.targets.is_empty() || !args.replace.is_empty() {
        return crate::output::fail(format!(
            "{} holds stacks, not a stack: `--target` and `--replace` name one stack's resources; give that stack's path",
            args.path.display()
        ));
    }
    let mut forwarded = vec!["--parallelism".to_string(), args.parallelism.to_string()];
    for (on, flag) in [
        (args.auto_approve, "--auto-approve"),
        (args.allow_mass_delete, "--allow-mass-delete"),
        (args.skip_drain, "--skip-drain"),
    ] {
        if on {
            forwarded.push(flag.to_string());
        }
    }
    crate::repo_run::apply(&args.path, &forwarded)
}

/// A saved plan is applied only under the sources it was made from: the stack path it
/// recorded, taken from the current directory as its local state is, must hold the same
/// files. A drift plan changes nothing, so it has nothing to check.
fn reviewed_sources(plan: &Plan, stack_path: &Path, file: &Path) -> drove_engine::Result<()> {
    if plan.refresh_only {
        return Ok(());
    }
    match &plan.sources {
        Some(sources) => sources.verify(stack_path),
        None => Err(drove_engine::EngineError::new(
            drove_engine::error::codes::BAD_PLAN_FILE,
            format!("{} does not record the sources it was made from", file.display()),
        )
        .with_help("make a new one with `drove plan --out FILE`")),
    }
}

pub fn destroy(args: &DestroyArgs) -> u8 {
    let d = match desired(&args.path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let opts = PlanOptions { destroy: true, ..Default::default() };
    let apply_opts = ApplyOptions { parallelism: args.parallelism, skip_drain: args.skip_drain };
    execute(Some(&d), None, &args.path, &opts, None, args.auto_approve, &apply_opts)
}

fn execute(
    d: Option<&drove_compiler::model::DesiredState>,
    saved: Option<Plan>,
    path: &Path,
    opts: &PlanOptions,
    ud: Option<std::sync::Arc<drove_engine::userdata::UserData>>,
    auto_approve: bool,
    apply_opts: &ApplyOptions,
) -> u8 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let dir = &stack_dir(path);
    let shown = crate::progress::ApplyProgress::new();
    let progress = |e: &Event| shown.event(e);
    let result = rt.block_on(async {
        let s = match (&saved, d) {
            (Some(p), _) => Session::for_plan(p, dir).await?,
            (None, Some(d)) => Session::open(d, dir).await?,
            (None, None) => unreachable_stack()?,
        };
        let s = match ud {
            Some(u) => s.with_user_data(u),
            None => s,
        };
        // The requests sent until the plan is shown are the plan's; the rest apply it.
        let planned = std::sync::Mutex::new(Requests::default());
        let ask = |p: &Plan| {
            if let Ok(mut r) = planned.lock() {
                *r = s.requests();
            }
            write(Stream::Stdout, &render::text(p, color(Stream::Stdout)));
            auto_approve
                || !p.has_changes()
                || confirm(if opts.destroy { "\nDestroy these resources?" } else { "\nApply these changes?" })
        };
        let applied = s.apply_with_events(d, saved.clone(), opts, apply_opts, &ask, &progress).await?;
        let requests = s.requests().since(&planned.lock().map(|r| r.clone()).unwrap_or_default());
        Ok::<_, drove_engine::EngineError>(applied.map(|(plan, rep)| (plan, rep, requests)))
    });
    shown.finish();
    match result {
        // Errors about declared resources point at the sources a fresh plan was made of.
        Err(e) if d.is_some() => report_in(&e, path),
        Err(e) => report(&e),
        Ok(None) => {
            write(Stream::Stderr, "Nothing applied.\n");
            crate::exit::PROBLEMS
        }
        Ok(Some((plan, rep, requests))) => summarize(&plan, &rep, &requests),
    }
}

fn unreachable_stack() -> drove_engine::Result<Session> {
    Err(drove_engine::EngineError::new(drove_engine::error::codes::BAD_PLAN_FILE, "no stack and no plan to apply"))
}

/// The requests counted are AWS's (retries included), not drove's steps: one create may
/// take several, one batch of records takes one.
pub(crate) fn summarize(plan: &Plan, rep: &ApplyReport, requests: &Requests) -> u8 {
    if !plan.has_changes() {
        write(Stream::Stdout, "No changes.\n");
        return crate::exit::OK;
    }
    // The provider's services only: the S3 state's writes are said apart.
    let state = requests.of_service("S3");
    let mut text = format!("\nApplied: {} changes in {} AWS requests", rep.completed.len(), requests.total() - state);
    text.push_str(&match state {
        0 => ".\n".to_string(),
        n => format!(" (and {n} to the state in S3).\n"),
    });
    for (address, e) in &rep.failed {
        text.push_str(&format!("failed: {address}: error[{}]: {}\n", e.code, e.message));
        if let Some(h) = &e.help {
            text.push_str(&format!("  help: {h}\n"));
        }
    }
    for address in &rep.skipped {
        text.push_str(&format!("not attempted (needs a failed change): {address}\n"));
    }
    write(Stream::Stdout, &text);
    if rep.failed.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::PROBLEMS
    }
}
