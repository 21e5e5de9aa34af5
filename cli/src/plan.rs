//! `drove plan [PATH] [--out FILE] [--format text|json|markdown] [--detailed-exitcode]`

use crate::engine_run::{desired, report_in, runtime, stack_dir, user_data};
use crate::output::{color, write, Stream};
use drove_engine::plan::sources::SourceDigest;
use drove_engine::plan::{render, Plan, PlanOptions};
use drove_engine::session::Session;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stack directory or a single .drove file
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Save the plan to apply it exactly later with `drove apply FILE`
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only this resource address and what it needs (repeatable)
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Allow deleting more than the stack's max_delete / max_zone_delete share
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Replace this resource even if nothing forces it; the only way to replace a protected one (repeatable)
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Exit 1 when the plan makes anything newly reachable from the internet (after printing it)
    #[arg(long)]
    pub fail_on_exposure: bool,
    /// Only show what changed in AWS since the last apply (drift), reading the source for
    /// nothing but the stack's settings; exit 0 no drift, 2 drift, 1 error
    #[arg(long, conflicts_with_all = ["targets", "replace", "fail_on_exposure", "allow_mass_delete"])]
    pub refresh_only: bool,
}

pub fn print(plan: &Plan, format: Format) {
    let text = match format {
        Format::Text => render::text(plan, color(Stream::Stdout)),
        Format::Json => plan.to_json(),
        Format::Markdown => render::markdown(plan),
    };
    write(Stream::Stdout, &text);
}

pub fn save(plan: &Plan, out: &Path) -> Result<(), u8> {
    std::fs::write(out, plan.to_json()).map_err(|e| crate::output::fail(format!("cannot write {}: {e}", out.display())))
}

pub fn run(args: &Args) -> u8 {
    if crate::repo_run::is_root(&args.path) {
        return repository(args);
    }
    let d = match desired(&args.path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let ud = match user_data(d.user_data(), d.sealed()) {
        Ok(u) => u,
        Err(code) => return code,
    };
    let opts = PlanOptions {
        targets: args.targets.clone(),
        allow_mass_delete: args.allow_mass_delete,
        destroy: false,
        user_data: None,
        replace: args.replace.clone(),
        offline: false,
    };
    let result = rt.block_on(async {
        let mut s = Session::open(&d, &stack_dir(&args.path)).await?;
        if let Some(u) = ud {
            s = s.with_user_data(u);
        }
        if args.refresh_only {
            return s.refresh_only(&d).await;
        }
        s.plan(&d, &opts).await
    });
    let mut plan = match result {
        Ok(p) => p,
        Err(e) => return report_in(&e, &args.path),
    };
    plan.stack_path = Some(args.path.display().to_string());
    let embedded = d.user_data().flat_map(|u| u.files.iter().flatten().cloned()).collect::<Vec<_>>();
    plan.sources = Some(SourceDigest::read(&args.path, embedded));
    print(&plan, args.format);
    if let Some(out) = &args.out {
        if let Err(code) = save(&plan, out) {
            return code;
        }
        write(
            Stream::Stderr,
            &format!("Saved the plan to {}; apply it with `drove apply {}`.\n", out.display(), out.display()),
        );
    }
    if args.fail_on_exposure && !plan.exposure.opened.is_empty() {
        let opened: Vec<String> =
            plan.exposure.opened.iter().map(|e| format!("{} {}", e.address, e.port_text())).collect();
        write(
            Stream::Stderr,
            &format!(
                "drove: error: the plan makes {} newly reachable from the internet (--fail-on-exposure)\n",
                opened.join(", ")
            ),
        );
        return crate::exit::PROBLEMS;
    }
    if (args.detailed_exitcode || args.refresh_only) && plan.has_changes() {
        2
    } else {
        crate::exit::OK
    }
}

/// Every stack of a repository root, each planned as `drove plan STACK` would with the
/// same options; what names one stack's file or resources is refused here.
fn repository(args: &Args) -> u8 {
    if args.out.is_some() || !args.targets.is_empty() || !args.replace.is_empty() {
        return crate::output::fail(format!(
            "{} holds stacks, not a stack: `--out`, `--target` and `--replace` name one stack's plan or resources; give that stack's path",
            args.path.display()
        ));
    }
    if matches!(args.format, Format::Json) {
        return crate::output::fail(format!(
            "{} holds stacks: a JSON plan is one stack's; plan each stack with `--format json`",
            args.path.display()
        ));
    }
    let mut forwarded = vec![
        "--format".to_string(),
        if matches!(args.format, Format::Markdown) { "markdown" } else { "text" }.to_string(),
    ];
    for (on, flag) in [
        (args.detailed_exitcode, "--detailed-exitcode"),
        (args.allow_mass_delete, "--allow-mass-delete"),
        (args.fail_on_exposure, "--fail-on-exposure"),
        (args.refresh_only, "--refresh-only"),
    ] {
        if on {
            forwarded.push(flag.to_string());
        }
    }
    let detailed = args.detailed_exitcode || args.refresh_only;
    crate::repo_run::plan(&args.path, &forwarded, matches!(args.format, Format::Markdown), detailed)
}
