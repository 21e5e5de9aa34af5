//! `drove import aws`: reads live resources, prints them as drove source (checked by the
//! front end and printed by its formatter), and adopts them into the stack's state so the
//! first plan after the import changes nothing.
//!
//! - [`zones`]: hosted zones, record sets and health checks → source.
//! - [`names`]: declaration names from `Name` tags.
//! - [`adopt`]: compiled addresses → live ids → the state.

mod adopt;
mod names;
mod zones;

use crate::engine_run::{report, runtime};
use crate::output::{fail, write, Stream};
use drove_compiler::analysis::analyze;
use drove_compiler::compile::compile;
use drove_compiler::diag::Severity;
use drove_compiler::model::DesiredState;
use drove_compiler::source::Sources;
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover;
use drove_engine::session::Session;
use drove_engine::EngineError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file `--out DIR` gets.
const OUT_FILE: &str = "main.drove";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A hosted zone to import, by name (repeatable); default: every zone of the account
    #[arg(long = "zone", value_name = "NAME")]
    zones: Vec<String>,
    /// The stack's name (the state is kept for it)
    #[arg(long, default_value = "imported")]
    stack: String,
    /// The stack's region (default: the AWS configuration's region)
    #[arg(long)]
    region: Option<String>,
    /// Write the stack into DIR (main.drove, and its state drove.state.json beside it)
    /// instead of printing it; without --out the state is ./drove.state.json
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(run_async(args))
}

/// Lines of problems, then "not imported", exit 1.
fn refuse(problems: &[String]) -> u8 {
    let mut text: String = problems.iter().map(|p| format!("drove: {p}\n")).collect();
    text.push_str(&format!("drove: not imported: {} problem(s); nothing was written\n", problems.len()));
    write(Stream::Stderr, &text);
    crate::exit::PROBLEMS
}

async fn region_of(args: &Args) -> Result<String, u8> {
    if let Some(r) = &args.region {
        return Ok(r.clone());
    }
    let conf = drove_engine::aws::aws_config::load_defaults(drove_engine::aws::aws_config::BehaviorVersion::latest()).await;
    conf.region().map(|r| r.to_string()).ok_or_else(|| fail("no region: pass --region or set AWS_REGION"))
}

/// The tags every zone carries (same key, same value): they become the stack's tags.
fn common_tags(dumps: &[discover::ZoneDump]) -> BTreeMap<String, String> {
    let tags_of = |z: &discover::ZoneDump| -> BTreeMap<String, String> {
        z.zone
            .attributes
            .get("tags")
            .and_then(serde_json::Value::as_object)
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default()
    };
    let mut iter = dumps.iter();
    let Some(first) = iter.next() else { return BTreeMap::new() };
    let mut common = tags_of(first);
    for z in iter {
        let t = tags_of(z);
        common.retain(|k, v| t.get(k) == Some(v));
    }
    common
}

/// A map key as a bare word where it is one, else a string.
fn map_key(key: &str) -> String {
    let word = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if word {
        key.to_string()
    } else {
        drove_string(key)
    }
}

fn stack_block(name: &str, region: &str, tags: &BTreeMap<String, String>) -> String {
    let mut text = format!("stack {name} {{\n  region = {}\n", drove_string(region));
    if !tags.is_empty() {
        let entries: Vec<String> = tags.iter().map(|(k, v)| format!("{} = {}", map_key(k), drove_string(v))).collect();
        text.push_str(&format!("  tags = {{ {} }}\n", entries.join(", ")));
    }
    text.push_str("}\n\n");
    text
}

/// Checks the source with the front end and compiles it; any error means the import would
/// write something `drove check` rejects, so it is refused with the offending lines.
fn check_and_compile(text: &str) -> Result<(String, DesiredState, Vec<String>), Vec<String>> {
    let sources = Sources::single(OUT_FILE, text.to_string());
    let analysis = analyze(&sources);
    let file = sources.file(0);
    let lines: Vec<&str> = text.lines().collect();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for d in &analysis.diagnostics {
        let (l, _) = file.line_col(d.primary.span.start);
        let line = format!("{} [{}]: {}", d.message, d.code, lines.get(l).unwrap_or(&"").trim());
        if d.severity == Severity::Error {
            errors.push(line);
        } else {
            warnings.push(format!("warning: {line}"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let desired = compile(&analysis.stack).map_err(|e| vec![format!("the imported source does not compile: {e}")])?;
    let formatted = drove_compiler::fmt::format(text).map_err(|ds| ds.into_iter().map(|d| format!("formatter: {}", d.message)).collect::<Vec<_>>())?;
    Ok((formatted, desired, warnings))
}

async fn run_async(args: Args) -> u8 {
    let region = match region_of(&args).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    let stack_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Some(dir) = &args.out {
        if dir.join(OUT_FILE).exists() {
            return fail(format!("{} exists already; import into a new directory", dir.join(OUT_FILE).display()));
        }
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(format!("{}: {e}", dir.display()));
        }
    }
    let conf = drove_engine::aws::load_config(&region).await;
    let r53 = drove_engine::aws::aws_sdk_route53::Client::new(&conf);

    let read = async {
        let dumps = discover::read_zones(&r53, &args.zones, &region).await?;
        let checks = discover::read_health_checks(&r53, &zones::used_health_checks(&dumps)).await?;
        Ok::<_, EngineError>((dumps, checks))
    };
    let (dumps, checks) = match read.await {
        Ok(x) => x,
        Err(e) => return report(&e),
    };

    // A private zone needs its network declared, and networks are not imported yet.
    let (dumps, private): (Vec<_>, Vec<_>) = dumps.into_iter().partition(|z| z.private_vpcs().is_empty());
    let mut left_out = Vec::new();
    for z in &private {
        let line = format!(
            "private zone {} ({}, VPC {}) left out: a private zone needs its network declared, and `drove import aws` does not import networks yet",
            z.name(),
            z.id(),
            z.private_vpcs().join(", ")
        );
        let asked = args.zones.iter().any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(z.name().trim_end_matches('.')));
        if asked && !dumps.iter().any(|d| d.name() == z.name()) {
            return refuse(&[line]);
        }
        left_out.push(line);
    }
    let mut namer = names::Namer::default();
    let mut imported = zones::Imported::default();
    let networks = BTreeMap::new();
    let mut problems = Vec::new();
    let check_names = zones::health_checks(&checks, &mut namer, &mut imported).unwrap_or_else(|e| {
        problems.extend(e);
        BTreeMap::new()
    });
    if let Err(e) = zones::zones(&dumps, &check_names, &networks, &mut imported) {
        problems.extend(e);
    }
    if !problems.is_empty() {
        return refuse(&problems);
    }
    let mut text = format!("# Imported from AWS ({region}) by `drove import aws`.\n\n");
    text.push_str(&stack_block(&args.stack, &region, &common_tags(&dumps)));
    text.push_str(&imported.source);
    let (source, desired, warnings) = match check_and_compile(&text) {
        Ok(x) => x,
        Err(e) => return refuse(&e),
    };

    let session = match Session::with_config(&desired, &stack_dir, &conf) {
        Ok(s) => s,
        Err(e) => return report(&e),
    };
    let adopted = match adopt::adopt(&session, &desired, &imported.ids).await {
        Ok(n) => n,
        Err(e) => return report(&e),
    };
    // The state is written: a failing check plan is reported, not a reason to drop the source.
    let changes = adopt::first_plan(&session, &desired).await.map_err(|e| format!("the check plan failed: {e}"));

    let mut notes: Vec<String> = imported.notes.iter().chain(&left_out).map(|n| format!("note: {n}")).collect();
    notes.extend(warnings);
    notes.push(format!(
        "adopted {adopted} resource(s) of {} zone(s) into the state {}",
        dumps.len(),
        session.backend.describe()
    ));
    match changes {
        Err(e) => notes.push(e),
        Ok(changes) if changes.is_empty() => notes.push("the first plan shows no changes".into()),
        Ok(changes) => {
        notes.push(format!("the first plan would change {} resource(s), which drove cannot declare as they are:", changes.len()));
        notes.extend(changes.iter().map(|c| format!("  {c}")));
        }
    }
    match &args.out {
        Some(dir) => {
            if let Err(e) = write_stack(dir, &source) {
                return fail(e);
            }
            notes.push(format!("wrote {}", dir.join(OUT_FILE).display()));
        }
        None => write(Stream::Stdout, &source),
    }
    write(Stream::Stderr, &notes.iter().map(|n| format!("{n}\n")).collect::<String>());
    crate::exit::OK
}

fn write_stack(dir: &Path, source: &str) -> Result<(), String> {
    let path = dir.join(OUT_FILE);
    std::fs::write(&path, source).map_err(|e| format!("{}: {e}", path.display()))
}
