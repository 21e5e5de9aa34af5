//! `drove import aws`: reads live resources, prints them as drove source (checked by the
//! front end and printed by its formatter), and adopts them into the stack's state so the
//! first plan after the import changes nothing.
//!
//! - [`select`]: which zones and VPCs are imported.
//! - [`networks`]: VPCs → `network` and `firewall` source.
//! - [`instances`]: instances → `role`, `hosts` and `host` source.
//! - [`balancers`]: load balancers → `balancer` source, or a note on why one is left out.
//! - [`zones`]: hosted zones, record sets and health checks → source.
//! - [`names`]: declaration names from `Name` tags.
//! - [`checked`]: the source through the front end; the balancers its errors lie in.
//! - [`adopt`]: compiled addresses → live ids → the state.

mod adopt;
mod balancers;
mod checked;
mod instances;
mod names;
mod networks;
mod select;
mod zones;

use crate::engine_run::{report, runtime};
use crate::output::{fail, write, Stream};
use checked::{check_and_compile, compose, faulty_balancers, lines_of};
use drove_compiler::model::instance::Image;
use drove_compiler::model::{HostedZone, Instance, Kind, Tags};
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover;
use drove_engine::aws::discover_balancers::{self, BalancerDump};
use drove_engine::error::codes;
use drove_engine::provider;
use drove_engine::session::Session;
use drove_engine::EngineError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The file `--out DIR` gets.
const OUT_FILE: &str = "main.drove";

#[derive(Debug, clap::Args)]
#[command(after_help = "What is imported: with none of --zone, --network and --tag, every hosted zone and every VPC \
of the region but the default VPC. Otherwise the zones and VPCs named, and those carrying every --tag. A private zone \
brings the VPCs it is associated with; a VPC brings its private zones, its subnets, internet gateway, public route \
table and security groups, (unless --no-instances) its instances (with --tag, only those carrying the tags), and \
its application and network load balancers; a balancer drove cannot declare whole (listener rules, fixed responses, \
IP targets, instances not imported, …) is left out with a note. \
An instance's role is its drove:role tag, else its --role-tag tag; the import writes drove:role on the instances \
that lack it, the one change it makes in AWS. User data is not read back: the roles get no provision block, and \
drove leaves user data it does not declare alone.")]
pub struct Args {
    /// A hosted zone to import, by name (repeatable)
    #[arg(long = "zone", value_name = "NAME")]
    zones: Vec<String>,
    /// A VPC to import, by id or by its Name tag (repeatable); the default VPC only this way
    #[arg(long = "network", value_name = "NAME_OR_VPC_ID")]
    networks: Vec<String>,
    /// Import the zones, VPCs and instances carrying this tag (repeatable: all of them)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    tags: Vec<(String, String)>,
    /// A load balancer, by its AWS name, that must be imported whole: one drove cannot
    /// declare refuses the import instead of being left out with a note (repeatable; its
    /// VPC is picked as usual)
    #[arg(long = "balancer", value_name = "NAME")]
    balancers: Vec<String>,
    /// Leave the VPCs' instances out
    #[arg(long)]
    no_instances: bool,
    /// The tag that names an instance's role when it has no drove:role tag; instances with
    /// neither become `host`s of their own
    #[arg(long, value_name = "KEY", default_value = "Role")]
    role_tag: String,
    /// The stack's name (the state is kept for it; security groups named STACK-NAME keep their names)
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

fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
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
    let conf =
        drove_engine::aws::aws_config::load_defaults(drove_engine::aws::aws_config::BehaviorVersion::latest()).await;
    conf.region().map(|r| r.to_string()).ok_or_else(|| fail("no region: pass --region or set AWS_REGION"))
}

/// A live view (the provider's JSON, `id` naming it) in its kind's struct, or why it does
/// not fit: the providers write what AWS did not answer as `null`, which serde reports
/// without the attribute's name, so the reason is taken from the view without its nulls
/// (`missing field `cidr``).
fn typed<T: Kind>(id: &str, attributes: &Value) -> Result<T, String> {
    match provider::spec(id, T::KIND, attributes) {
        Ok(spec) => T::from_spec(spec).ok_or_else(|| format!("{id}: not a `{}`", T::KIND)),
        Err(e) => {
            let answered = match attributes {
                Value::Object(o) => {
                    Value::Object(o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
                }
                other => other.clone(),
            };
            Err(provider::spec(id, T::KIND, &answered).err().unwrap_or(e).message)
        }
    }
}

/// The tags every imported resource carries (same key, same value), `Name` and
/// `drove:role` aside: they become the stack's tags.
fn common_tags<'a>(all: impl IntoIterator<Item = &'a Tags>) -> BTreeMap<String, String> {
    let mut common: Option<BTreeMap<String, String>> = None;
    for tags in all {
        let t: BTreeMap<String, String> = tags
            .iter()
            .filter(|(k, _)| *k != names::NAME_TAG && *k != instances::ROLE_TAG)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match &mut common {
            None => common = Some(t),
            Some(c) => c.retain(|k, v| t.get(k) == Some(v)),
        }
    }
    common.unwrap_or_default()
}

/// Tag keys found on imported resources that the stack's `tags` do not cover: other tools'
/// and people's, left alone (`ignore_tags`) so adopting changes nothing. `Name` is decided
/// by the first plan; drove's own and AWS's reserved keys are never listed.
fn foreign_keys(all: &[Tags], common: &BTreeMap<String, String>) -> BTreeSet<String> {
    all.iter()
        .flat_map(|t| t.keys())
        .filter(|k| {
            !common.contains_key(*k) && *k != names::NAME_TAG && !k.starts_with("drove:") && !k.starts_with("aws:")
        })
        .cloned()
        .collect()
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

fn stack_block(name: &str, region: &str, tags: &BTreeMap<String, String>, ignore: &BTreeSet<String>) -> String {
    let mut text = format!("stack {name} {{\n  region = {}\n", drove_string(region));
    if !tags.is_empty() {
        let entries: Vec<String> = tags.iter().map(|(k, v)| format!("{} = {}", map_key(k), drove_string(v))).collect();
        text.push_str(&format!("  tags = {{ {} }}\n", entries.join(", ")));
    }
    if !ignore.is_empty() {
        let keys: Vec<String> = ignore.iter().map(|k| drove_string(k)).collect();
        text.push_str("  # Tags other tools and people own: drove neither writes nor removes them.\n");
        text.push_str(&format!("  ignore_tags = [{}]\n", keys.join(", ")));
    }
    text.push_str("}\n\n");
    text
}

/// Everything read from AWS for the import.
struct Read {
    zones: Vec<zones::Zone>,
    checks: Vec<(drove_engine::provider::Live, Option<String>)>,
    networks: Vec<discover::NetworkDump>,
    instances: Vec<drove_engine::provider::Live>,
    images: BTreeMap<String, discover::ImageName>,
    balancers: Vec<BalancerDump>,
}

/// The clients the import reads through.
struct Clients {
    r53: drove_engine::aws::aws_sdk_route53::Client,
    ec2: drove_engine::aws::aws_sdk_ec2::Client,
    elb: drove_engine::aws::aws_sdk_elasticloadbalancingv2::Client,
}

async fn read(args: &Args, clients: &Clients, region: &str) -> Result<Read, EngineError> {
    let Clients { r53, ec2, elb } = clients;
    let ask = select::Ask { zones: &args.zones, networks: &args.networks, tags: &args.tags };
    let all_zones: Vec<String> = discover::list_zones(r53).await?.into_iter().map(|(_, n)| n).collect();
    select::check_zone_names(&ask, &all_zones)?;
    let vpcs = discover::list_vpcs(ec2, &[]).await?;
    let picked = select::vpcs(&ask, &vpcs)?;
    // A zone drove cannot read is taken, and refused below with the reason.
    let keep = |z: &Value| typed::<HostedZone>("", z).map_or(true, |z| select::wants_zone(&ask, &z, &picked));
    let zones = discover::read_zones_where(r53, region, keep)
        .await?
        .iter()
        .map(zones::Zone::read)
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| EngineError::new(codes::AWS_CALL, e))?;
    let checks = discover::read_health_checks(r53, &zones::used_health_checks(&zones)).await?;
    let mut networks = Vec::new();
    for id in select::with_zone_vpcs(picked, &zones, &vpcs) {
        networks.extend(discover::read_network(ec2, &id).await?);
    }
    let vpc_ids: Vec<String> = networks.iter().map(|n| n.vpc.id.clone()).collect();
    let instances =
        if args.no_instances { Vec::new() } else { discover::read_instances(ec2, &vpc_ids, &args.tags).await? };
    let mut amis: Vec<String> = instances
        .iter()
        .filter_map(|i| match typed::<Instance>(&i.id, &i.attributes).ok()?.image? {
            Image::Id { id } => Some(id),
            Image::Pattern { .. } => None,
        })
        .collect();
    amis.sort();
    amis.dedup();
    let images = discover::image_names(ec2, &amis).await?;
    let balancers = discover_balancers::read_balancers(elb, &vpc_ids).await?;
    Ok(Read { zones, checks, networks, instances, images, balancers })
}

/// Writes `drove:role` on the instances that need it (see [`instances`]).
async fn tag_roles(
    ec2: &drove_engine::aws::aws_sdk_ec2::Client,
    to_tag: &[(String, String)],
) -> Result<(), EngineError> {
    use drove_engine::aws::aws_sdk_ec2::types::Tag;
    for (id, role) in to_tag {
        ec2.create_tags()
            .resources(id)
            .tags(Tag::builder().key(instances::ROLE_TAG).value(role).build())
            .send()
            .await
            .map_err(|e| drove_engine::aws::sdk_error("ec2 CreateTags", e))?;
    }
    Ok(())
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
    let clients = Clients {
        r53: drove_engine::aws::aws_sdk_route53::Client::new(&conf),
        ec2: drove_engine::aws::aws_sdk_ec2::Client::new(&conf),
        elb: drove_engine::aws::aws_sdk_elasticloadbalancingv2::Client::new(&conf),
    };
    let live = match read(&args, &clients, &region).await {
        Ok(x) => x,
        Err(e) => return report(&e),
    };

    // A private zone associated with a VPC of another region cannot be declared here.
    let here: Vec<&str> = live.networks.iter().map(|n| n.vpc.id.as_str()).collect();
    let (zones, elsewhere): (Vec<_>, Vec<_>) =
        live.zones.iter().cloned().partition(|z| z.private_vpcs().iter().all(|v| here.contains(v)));
    let mut left_out = Vec::new();
    for z in &elsewhere {
        let line = format!(
            "private zone {} ({}) left out: it is associated with VPC {}, which is not in {region}",
            z.name(),
            z.id(),
            z.private_vpcs().into_iter().filter(|v| !here.contains(v)).collect::<Vec<_>>().join(", ")
        );
        if args.zones.iter().any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(z.name().trim_end_matches('.'))) {
            return refuse(&[line]);
        }
        left_out.push(line);
    }
    let mut namer = names::Namer::default();
    let mut imported = zones::Imported::default();
    let mut problems = Vec::new();
    let declared =
        networks::networks(&live.networks, &args.stack, &region, &mut namer, &mut imported).unwrap_or_else(|e| {
            problems.extend(e);
            networks::Declared::default()
        });
    let roles = instances::roles(&live.instances, &args.role_tag, &live.images, &declared, &mut namer, &mut imported);
    let check_names = zones::health_checks(&live.checks, &mut namer, &mut imported).unwrap_or_else(|e| {
        problems.extend(e);
        BTreeMap::new()
    });
    if let Err(e) = zones::zones(&zones, &check_names, &declared.networks, &mut imported) {
        problems.extend(e);
    }
    if !problems.is_empty() {
        return refuse(&problems);
    }
    let (mut kept, lb_left_out) =
        balancers::balancers(&live.balancers, &args.stack, &declared, &imported.ids, &mut namer);
    // A balancer asked for by name is imported whole or the import is refused.
    let asked = |name: &str| args.balancers.iter().any(|b| b == name);
    let mut missing: Vec<String> = args
        .balancers
        .iter()
        .filter(|b| !live.balancers.iter().any(|d| balancers::aws_name(d) == b.as_str()))
        .map(|b| format!("no load balancer is named {b} in the imported VPCs"))
        .collect();
    let whole = |line: &str| line.replacen(" left out:", " cannot be imported whole:", 1);
    missing.extend(lb_left_out.iter().filter(|(n, _)| asked(n)).map(|(_, line)| whole(line)));
    if !missing.is_empty() {
        return refuse(&missing);
    }
    left_out.extend(lb_left_out.into_iter().map(|(_, line)| line));
    // Resources drove cannot read are left out or refused where they are declared.
    let mut tagged: Vec<Tags> = live.zones.iter().map(|z| z.zone.tags.clone()).collect();
    for n in &live.networks {
        tagged.extend(networks::tags(n));
    }
    tagged.extend(live.instances.iter().filter_map(|i| typed::<Instance>(&i.id, &i.attributes).ok()).map(|i| i.tags));
    let head = |kept: &[balancers::Balancer], ignore: Option<&BTreeSet<String>>| {
        let all: Vec<Tags> = tagged.iter().cloned().chain(kept.iter().flat_map(|b| b.tags.clone())).collect();
        let common = common_tags(&all);
        let ignore = ignore.cloned().unwrap_or_else(|| foreign_keys(&all, &common));
        let mut text = format!("# Imported from AWS ({region}) by `drove import aws`.\n\n");
        text.push_str(&stack_block(&args.stack, &region, &common, &ignore));
        (text, ignore)
    };
    // A balancer the checks refuse (a listener its own firewall closes, say) is left out
    // rather than refusing the whole import: it stays in AWS as it is.
    let (mut source, mut desired, warnings, mut ignore) = loop {
        let (text, ignore) = head(&kept, None);
        let (text, ranges) = compose(text, &imported.source, &kept);
        match check_and_compile(&text) {
            Ok((s, d, w)) => break (s, d, w, ignore),
            Err(e) => match faulty_balancers(&e, &ranges) {
                Some(bad) if !bad.is_empty() => {
                    let mut refused = Vec::new();
                    for (i, lines) in bad.into_iter().rev() {
                        let b = kept.remove(i);
                        let line = format!(
                            "load balancer {} left out: drove check refuses its declaration `balancer {}`: {}",
                            b.aws_name,
                            b.name,
                            lines.join("; ")
                        );
                        if asked(&b.aws_name) {
                            refused.push(whole(&line));
                        } else {
                            left_out.push(line);
                        }
                    }
                    if !refused.is_empty() {
                        return refuse(&refused);
                    }
                }
                _ => return refuse(&lines_of(&e)),
            },
        }
    };
    for b in &kept {
        imported.ids.extend(b.ids.clone());
        imported.notes.extend(b.notes.clone());
    }

    let session = match Session::with_config(&desired, &stack_dir, &conf) {
        Ok(s) => s,
        Err(e) => return report(&e),
    };
    // Nothing is written to AWS or the state when the state holds these addresses already.
    if let Err(e) = adopt::refuse_taken(&session, &desired).await {
        return report(&e);
    }
    if let Err(e) = tag_roles(&clients.ec2, &roles.to_tag).await {
        return report(&e);
    }
    let adopted = match adopt::adopt(&session, &desired, &imported.ids).await {
        Ok(n) => n,
        Err(e) => return report(&e),
    };
    // The state is written: a failing check plan is reported, not a reason to drop the source.
    let mut changes = adopt::first_plan(&session, &desired).await.map_err(|e| format!("the check plan failed: {e}"));
    let mut kept_names = false;
    // Names given by their owners (`web-prod-1`) are kept rather than rewritten to drove's.
    if changes.as_ref().is_ok_and(|p| p.renames) {
        ignore.insert(names::NAME_TAG.to_string());
        let (text, _) = head(&kept, Some(&ignore));
        if let Ok((s, d, _)) = check_and_compile(&compose(text, &imported.source, &kept).0) {
            (source, desired, kept_names) = (s, d, true);
            changes = adopt::first_plan(&session, &desired).await.map_err(|e| format!("the check plan failed: {e}"));
        }
    }

    let mut notes: Vec<String> = imported.notes.iter().chain(&left_out).map(|n| format!("note: {n}")).collect();
    notes.extend(warnings);
    if !roles.to_tag.is_empty() {
        notes.push(format!(
            "tagged {} instance(s) with {}, the tag drove reads an instance's role from: {}",
            roles.to_tag.len(),
            instances::ROLE_TAG,
            roles.to_tag.iter().map(|(i, r)| format!("{i}={r}")).collect::<Vec<_>>().join(", ")
        ));
    }
    notes.push(format!(
        "adopted {adopted} resource(s) of {} network(s), {} instance(s), {} load balancer(s) and {} zone(s) into the state {}",
        live.networks.len(),
        imported.ids.keys().filter(|a| a.starts_with("host")).count(),
        kept.len(),
        zones.len(),
        session.backend.describe()
    ));
    if kept_names {
        notes.push(
            "resources keep the `Name` tags their owners gave them: `Name` is in the stack's `ignore_tags`, so drove \
             neither rewrites nor sets it (remove it there to have drove name what it creates)"
                .into(),
        );
    }
    match changes {
        Err(e) => notes.push(e),
        Ok(p) if p.changes.is_empty() => notes.push(match p.claims {
            0 => "the first plan shows no changes".into(),
            n => {
                format!("the first plan shows no changes apart from writing drove's ownership tags on {n} resource(s)")
            }
        }),
        Ok(adopt::FirstPlan { changes, .. }) => {
            notes.push(format!(
                "the first plan would change {} resource(s), which drove cannot declare as they are:",
                changes.len()
            ));
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
