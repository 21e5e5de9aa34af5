//! Refresh → diff → plan. The planner reads the live view of everything the state knows,
//! re-adopts resources an interrupted run created but did not record, resolves references
//! (unknown where the target is still to be created), diffs desired against live per
//! attribute, and applies the safety rails before returning the plan.

use super::normalize;
use super::ownership;
use super::resolve::{is_unknown, resolve};
use super::{summarize, Action, AttributeDiff, Plan, PlannedChange, PLAN_FORMAT};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Known, Live, Provider, Wanted};
use crate::state::{ResourceRecord, State};
use drove_compiler::model::instance::{self, Instance};
use drove_compiler::model::{record_set, DesiredState, Listener, Parameter, Resource, Spec, Val};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Only these addresses (and what they need); `hosts.app` also matches `hosts.app[0]`.
    pub targets: Vec<String>,
    pub allow_mass_delete: bool,
    /// Plan the deletion of everything the state holds.
    pub destroy: bool,
    /// Renders instances' user data to fingerprint it; without it only documents with
    /// no secret and no file can be planned.
    pub user_data: Option<std::sync::Arc<crate::userdata::UserData>>,
    /// Replace these resources even if nothing forces it (`--replace ADDRESS`); the only
    /// way a protected resource is replaced.
    pub replace: Vec<String>,
    /// Planning against the state alone (the editor's plan lens, `plan::preview`): what
    /// only AWS answers is taken from the state's record, and the safety rails are
    /// collected as warnings instead of refusing the plan.
    pub offline: bool,
}

/// Stacks or zones smaller than this are exempt from the mass-delete share (deleting one
/// of three records is not a mass deletion).
pub const MASS_DELETE_MIN: usize = 10;

pub async fn plan(
    desired: &DesiredState,
    state: Option<&State>,
    provider: &dyn Provider,
    opts: &PlanOptions,
) -> Result<Plan> {
    plan_with_warnings(desired, state, provider, opts, &mut Vec::new()).await
}

/// `plan`, with the safety rails' refusals pushed onto `warnings` when `opts.offline`.
pub(super) async fn plan_with_warnings(
    desired: &DesiredState,
    state: Option<&State>,
    provider: &dyn Provider,
    opts: &PlanOptions,
    warnings: &mut Vec<EngineError>,
) -> Result<Plan> {
    let (desired, roles) = crate::rollout::split(desired);
    let (desired, zones) = super::unmanaged::split(&desired);
    let desired: &DesiredState = &desired;
    let lineage = state.map(|s| s.lineage.clone());
    let fresh = State::new(&desired.stack.name);
    let state = state.unwrap_or(&fresh);
    // The source's `moved` declarations, made on a copy: the plan reads the state as the
    // apply will write it, and the copy keeps the serial the apply checks.
    let moved_state;
    let mut declared_moves = Vec::new();
    let state = if desired.moves.is_empty() {
        state
    } else {
        let mut copy = state.clone();
        declared_moves = crate::state::moves::apply_declared(&mut copy, &desired.moves)?;
        copy.serial = state.serial;
        moved_state = copy;
        &moved_state
    };

    let known = known_of(state);
    let lives = provider.refresh(&known).await?;
    // `work` is the state as it really is now: refreshed, gone resources dropped.
    let mut work = state.clone();
    let mut gone = HashSet::new();
    // Resources this state holds that lack its lineage tag (an import, a state older than
    // lineage tags, tags edited by hand): the state is what says they are ours.
    let mut claims: HashSet<String> = HashSet::new();
    for (k, live) in known.iter().zip(lives) {
        match live {
            Some(mut l) => {
                normalize::drop_ignored_tags(&mut l.attributes, &desired.stack);
                if ownership::needs_claim(&k.kind, &l, lineage.as_deref()) {
                    claims.insert(k.address.clone());
                }
                absorb(&mut work, &k.address, &k.kind, l)
            }
            None => {
                work.resources.remove(&k.address);
                gone.insert(k.address.clone());
            }
        }
    }

    let by_address = index(desired)?;
    if let Some(r) = desired.resources.iter().find(|r| !provider.supports(r.kind())) {
        return Err(EngineError::new(
            codes::INVALID_CHANGE,
            format!("{} has kind `{}`, which this provider does not manage yet", r.address, r.kind()),
        ));
    }
    let order = topo_order(desired, &by_address)?;
    for a in &opts.replace {
        if !by_address.contains_key(a.as_str()) {
            let mut e =
                EngineError::new(codes::UNKNOWN_TARGET, format!("--replace {a} names no resource this stack declares"));
            if let Some(s) = drove_compiler::diag::did_you_mean(a, by_address.keys().copied()) {
                e = e.with_help(format!("did you mean `{s}`?"));
            }
            return Err(e);
        }
    }
    let mut changes: Vec<PlannedChange> = Vec::new();
    // Images resolved from patterns, by pattern and owner.
    let mut images: HashMap<String, crate::provider::Image> = HashMap::new();
    // Certificates named by domain, resolved to ARNs.
    let mut certificates: HashMap<String, String> = HashMap::new();

    if !opts.destroy {
        let adopted = adopt(desired, &by_address, &mut work, provider, lineage.as_deref(), &mut claims).await?;
        let mut pending: HashSet<String> = HashSet::new();
        for address in &order {
            let Some(r) = by_address.get(address.as_str()) else { continue };
            let mut after = resolve(&r.attributes(), &work, Some(&pending), address)?;
            normalize::fill_defaults(r.kind(), &mut after);
            normalize::drop_ignored_tags(&mut after, &desired.stack);
            let mut notes = Vec::new();
            let recorded = work.resources.get(address).map(|r| &r.attributes);
            if matches!(r.spec, Spec::Instance(_)) {
                let mut spec: Instance = typed(address, after)?;
                if !opts.offline {
                    resolve_image(&mut spec, provider, &mut images, &mut notes).await?;
                    fingerprint_user_data(&mut spec, opts.user_data.as_deref())?;
                } else {
                    super::preview::assume_image(&mut spec, recorded, &mut notes);
                    if let Err(e) = fingerprint_user_data(&mut spec, opts.user_data.as_deref()) {
                        super::preview::assume_user_data(&mut spec, recorded, &e, &mut notes);
                    }
                }
                after = crate::provider::attributes(&spec);
            }
            if matches!(r.spec, Spec::Listener(_)) {
                let mut spec: Listener = typed(address, after)?;
                if opts.offline {
                    super::preview::assume_certificate(&mut spec, recorded, &mut notes);
                } else {
                    resolve_certificate(&mut spec, provider, &mut certificates, &mut notes).await?;
                }
                after = crate::provider::attributes(&spec);
            }
            if matches!(r.spec, Spec::Parameter(_)) {
                let mut spec: Parameter = typed(address, after)?;
                spec.value = match opts.user_data.as_deref() {
                    Some(renderer) => renderer.planned_parameter(&spec.value)?,
                    None => crate::userdata::UserData::public().planned_parameter(&spec.value)?,
                };
                after = crate::provider::attributes(&spec);
            }
            let deps = dependencies(r, |a| by_address.contains_key(a));
            let prior = state.resources.get(address);
            let mut change = PlannedChange {
                address: address.clone(),
                kind: r.kind().to_string(),
                action: Action::Create,
                id: None,
                before: Value::Null,
                after: after.clone(),
                outputs: Default::default(),
                diffs: vec![],
                notes,
                depends_on: deps,
                state_depends_on: prior.map(|p| p.depends_on.clone()).unwrap_or_default(),
                // `protect` lives in the source, as Terraform's `prevent_destroy`: removing
                // it lifts it, and the next apply writes that into the state.
                protect: r.protect,
                claim: false,
            };
            match work.resources.get(address) {
                None => {
                    if gone.contains(address) {
                        change.notes.push("deleted outside drove; it will be created again".into());
                    }
                    pending.insert(address.clone());
                }
                Some(rec) => {
                    if adopted.contains(address) {
                        change.notes.push(format!("{} exists but was not in the state; adopted", rec.id));
                    }
                    change.id = Some(rec.id.clone());
                    change.before = rec.attributes.clone();
                    change.outputs = rec.outputs.clone();
                    change.diffs = diff(r.kind(), &rec.attributes, &after);
                    let asked = opts.replace.iter().any(|a| a == address);
                    if asked {
                        change.notes.push("replaced on request (--replace)".into());
                    }
                    change.action = if asked || change.diffs.iter().any(|d| d.forces_replacement) {
                        pending.insert(address.clone());
                        Action::Replace
                    } else if !change.diffs.is_empty() || claims.contains(address) {
                        Action::Update
                    } else {
                        Action::NoOp
                    };
                    if change.action == Action::Update && claims.contains(address) {
                        change.claim = true;
                        change.notes.push(ownership::claim_note(lineage.as_deref()));
                    }
                }
            }
            changes.push(change);
        }
    }

    for (address, rec) in &state.resources {
        if !opts.destroy && by_address.contains_key(address.as_str()) {
            continue;
        }
        let live = work.resources.get(address);
        let mut notes = Vec::new();
        if live.is_none() {
            notes.push("already deleted outside drove; only the state entry goes".into());
        }
        changes.push(PlannedChange {
            address: address.clone(),
            kind: rec.kind.clone(),
            action: Action::Delete,
            id: Some(rec.id.clone()),
            before: live.map(|l| l.attributes.clone()).unwrap_or_else(|| rec.attributes.clone()),
            after: Value::Null,
            outputs: live.map(|l| l.outputs.clone()).unwrap_or_default(),
            diffs: vec![],
            notes,
            depends_on: vec![],
            state_depends_on: rec.depends_on.clone(),
            // A declared resource is protected as its source says; one no longer declared
            // as the state last recorded it, so deleting a declaration does not lift it.
            protect: by_address.get(address.as_str()).map_or(rec.protect, |r| r.protect),
            claim: false,
        });
    }

    let mut unmanaged = Vec::new();
    if !opts.destroy {
        let taken: HashSet<&str> =
            by_address.keys().copied().chain(state.resources.keys().map(String::as_str)).collect();
        let (listed, deletes) = super::unmanaged::survey(&zones, desired, &work, &taken, provider).await?;
        unmanaged = listed;
        changes.extend(deletes);
    }

    if !opts.targets.is_empty() {
        changes = select_targets(changes, &opts.targets, desired, state)?;
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));

    // Offline, a rail that would refuse the plan is a warning the lens shows at the
    // declaration; the real plan still refuses.
    let mut rail = |r: Result<()>| match r {
        Err(e) if opts.offline => {
            warnings.push(e);
            Ok(())
        }
        r => r,
    };
    rail(check_protected(&changes, &opts.replace))?;
    if !opts.destroy && !opts.allow_mass_delete {
        rail(check_mass_delete(&changes, state, desired))?;
    }
    rail(crate::checks::check_records(&changes, &work, provider).await)?;
    if !opts.offline {
        let by_id = images.into_values().map(|i| (i.id.clone(), i)).collect();
        super::preflight::check(&changes, &by_address, &by_id, provider).await?;
    }
    let rollouts = crate::rollout::schedule(&changes, &roles, &gone);
    let exposure = super::exposure::delta(&work, (!opts.destroy).then_some(desired));
    let moves = state.moves.clone();
    for m in &moves {
        let how = if declared_moves.iter().any(|(f, t)| *f == m.from && *t == m.to) {
            "a moved declaration"
        } else {
            "drove state mv"
        };
        if let Some(c) = changes.iter_mut().find(|c| c.address == m.to) {
            c.notes.push(format!("moved from {} ({how})", m.from));
        }
    }

    Ok(Plan {
        format: PLAN_FORMAT,
        stack: desired.stack.name.clone(),
        region: desired.stack.region.clone(),
        backend: desired.stack.state.clone(),
        stack_path: None,
        sources: None,
        lineage,
        serial: state.serial,
        destroy: opts.destroy,
        refresh_only: false,
        summary: summarize(&changes),
        cost: super::cost::estimate(&desired.stack.region, &changes),
        changes,
        rollouts,
        unmanaged,
        exposure,
        moves,
    })
}

/// What the state holds, as the provider's refresh takes it.
pub(crate) fn known_of(state: &State) -> Vec<Known> {
    state
        .resources
        .iter()
        .map(|(a, r)| Known {
            address: a.clone(),
            kind: r.kind.clone(),
            id: r.id.clone(),
            attributes: r.attributes.clone(),
        })
        .collect()
}

fn absorb(work: &mut State, address: &str, kind: &str, live: Live) {
    let prior = work.resources.get(address);
    let rec = ResourceRecord {
        kind: kind.to_string(),
        id: live.id,
        attributes: live.attributes,
        outputs: live.outputs,
        depends_on: prior.map(|p| p.depends_on.clone()).unwrap_or_default(),
        protect: prior.is_some_and(|p| p.protect),
    };
    work.resources.insert(address.to_string(), rec);
}

fn index(desired: &DesiredState) -> Result<BTreeMap<&str, &Resource>> {
    let mut m = BTreeMap::new();
    for r in &desired.resources {
        if m.insert(r.address.as_str(), r).is_some() {
            return Err(EngineError::new(
                codes::INVALID_CHANGE,
                format!("the desired state declares {} twice", r.address),
            ));
        }
    }
    Ok(m)
}

/// Declared dependencies plus every reference, limited to declared resources.
/// What a resource needs first (its `depends_on` and every address its attributes refer
/// to), among the addresses `declared` accepts: the edges the apply walk follows and the
/// state records.
pub fn dependencies(r: &Resource, declared: impl Fn(&str) -> bool) -> Vec<String> {
    let mut deps: BTreeSet<String> = r.depends_on.iter().cloned().collect();
    deps.extend(r.references());
    deps.into_iter().filter(|d| d != &r.address && declared(d)).collect()
}

/// Dependencies before dependents (Kahn's algorithm, so no recursion on user data).
fn topo_order(desired: &DesiredState, by_address: &BTreeMap<&str, &Resource>) -> Result<Vec<String>> {
    let mut indegree: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dependents: HashMap<String, Vec<&str>> = HashMap::new();
    for r in &desired.resources {
        let deps = dependencies(r, |a| by_address.contains_key(a));
        indegree.insert(&r.address, deps.len());
        for d in deps {
            dependents.entry(d).or_default().push(&r.address);
        }
    }
    let mut ready: Vec<&str> = indegree.iter().filter(|(_, n)| **n == 0).map(|(a, _)| *a).collect();
    let mut order = Vec::new();
    while let Some(a) = ready.pop() {
        order.push(a.to_string());
        for d in dependents.get(a).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(n) = indegree.get_mut(d) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    ready.push(d);
                }
            }
        }
    }
    if order.len() != indegree.len() {
        let stuck: Vec<&str> = indegree.iter().filter(|(_, n)| **n > 0).map(|(a, _)| *a).take(5).collect();
        return Err(EngineError::new(
            codes::INVALID_CHANGE,
            format!("the resources {} depend on each other in a cycle", stuck.join(", ")),
        ));
    }
    Ok(order)
}

/// Finds declared resources the state lacks but AWS has (an earlier run died after
/// creating them). Zones come before their records, so a second round finds records of
/// a zone adopted in the first.
async fn adopt(
    desired: &DesiredState,
    by_address: &BTreeMap<&str, &Resource>,
    work: &mut State,
    provider: &dyn Provider,
    lineage: Option<&str>,
    claims: &mut HashSet<String>,
) -> Result<HashSet<String>> {
    let mut adopted = HashSet::new();
    let mut foreign = Vec::new();
    let mut asked: HashSet<String> = HashSet::new();
    for _round in 0..3 {
        let missing: HashSet<String> = desired
            .resources
            .iter()
            .filter(|r| !work.resources.contains_key(&r.address))
            .map(|r| r.address.clone())
            .collect();
        let mut wanted = Vec::new();
        for r in &desired.resources {
            if !missing.contains(&r.address) || asked.contains(&r.address) {
                continue;
            }
            let attributes = resolve(&r.attributes(), work, Some(&missing), &r.address)?;
            match &r.spec {
                // Record sets are found by name and type within their zone, so the zone
                // must be known.
                Spec::RecordSet(_) => {
                    let set: drove_compiler::model::RecordSet = typed(&r.address, attributes.clone())?;
                    if set.zone.lit().is_none() {
                        continue;
                    }
                }
                _ if !r.schema().tagged => continue,
                _ => {}
            }
            asked.insert(r.address.clone());
            wanted.push(Wanted { address: r.address.clone(), kind: r.kind().to_string(), attributes });
        }
        if wanted.is_empty() {
            break;
        }
        let found = provider.adopt(&wanted).await?;
        let mut any = false;
        // One resource is never two addresses: the old instance of an interrupted
        // replacement, deposed in the state, carries the same tags as its replacement.
        let held: HashSet<String> = work.resources.values().map(|r| r.id.clone()).collect();
        for (w, f) in wanted.iter().zip(found) {
            if let Some(mut live) = f.filter(|l| !held.contains(&l.id)) {
                normalize::drop_ignored_tags(&mut live.attributes, &desired.stack);
                if let Some(why) = ownership::foreign(w, &live, lineage, work) {
                    foreign.push(ownership::Foreign { address: w.address.clone(), id: live.id.clone(), why });
                    continue;
                }
                if ownership::needs_claim(&w.kind, &live, lineage) {
                    claims.insert(w.address.clone());
                }
                let deps = by_address
                    .get(w.address.as_str())
                    .map(|r| dependencies(r, |a| by_address.contains_key(a)))
                    .unwrap_or_default();
                absorb(work, &w.address, &w.kind, live);
                if let Some(rec) = work.resources.get_mut(&w.address) {
                    rec.depends_on = deps;
                }
                adopted.insert(w.address.clone());
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    if !foreign.is_empty() {
        return Err(ownership::refuse(&desired.stack.name, lineage, &foreign));
    }
    Ok(adopted)
}

/// Planned attributes read into their kind's struct (references may still be unknown).
fn typed<T: serde::de::DeserializeOwned>(address: &str, attributes: Value) -> Result<T> {
    serde_json::from_value(attributes).map_err(|e| {
        EngineError::new(codes::INVALID_CHANGE, format!("{address}: attributes do not fit their kind: {e}"))
    })
}

async fn resolve_image(
    spec: &mut Instance,
    provider: &dyn Provider,
    cache: &mut HashMap<String, crate::provider::Image>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let Some(instance::Image::Pattern { pattern, owner }) = &spec.image else { return Ok(()) };
    let key = format!("{pattern}\u{0}{}", owner.as_deref().unwrap_or(""));
    let img = match cache.get(&key) {
        Some(i) => i.clone(),
        None => {
            let i = provider.resolve_image(pattern, owner.as_deref()).await?;
            cache.insert(key, i.clone());
            i
        }
    };
    notes.push(format!("image(\"{pattern}\") is {} ({}, created {})", img.id, img.name, img.created));
    spec.image = Some(instance::Image::Id { id: img.id });
    Ok(())
}

/// A listener's `certificate = "example.com"`: the ARN of the issued certificate for it.
async fn resolve_certificate(
    spec: &mut Listener,
    provider: &dyn Provider,
    cache: &mut HashMap<String, String>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let Some(Val::Lit(domain)) = &spec.certificate else { return Ok(()) };
    if domain.starts_with("arn:") {
        return Ok(());
    }
    let arn = match cache.get(domain) {
        Some(a) => a.clone(),
        None => {
            let a = provider.resolve_certificate(domain).await?;
            cache.insert(domain.clone(), a.clone());
            a
        }
    };
    notes.push(format!("certificate \"{domain}\" is {arn}"));
    spec.certificate = Some(Val::Lit(arn));
    Ok(())
}

/// The rendered user data's fingerprint goes into the plan; the plaintext does not.
fn fingerprint_user_data(spec: &mut Instance, renderer: Option<&crate::userdata::UserData>) -> Result<()> {
    let Some(ud) = &spec.user_data else { return Ok(()) };
    let planned = match renderer {
        Some(r) => r.planned(ud)?,
        None => crate::userdata::UserData::public().planned(ud)?,
    };
    spec.user_data = Some(planned);
    Ok(())
}

/// Attribute diffs over what the desired state sets; `null` leaves an attribute unmanaged.
pub fn diff(kind: &str, before: &Value, after: &Value) -> Vec<AttributeDiff> {
    let mut out = Vec::new();
    let Some(attrs) = after.as_object() else { return out };
    for (name, want) in attrs {
        if want.is_null() || normalize::left_to_aws(kind, name, want) {
            continue;
        }
        let have = before.get(name).unwrap_or(&Value::Null);
        if is_unknown(want) || normalize::normalize(kind, name, want) != normalize::normalize(kind, name, have) {
            out.push(AttributeDiff {
                name: name.clone(),
                before: have.clone(),
                after: want.clone(),
                forces_replacement: normalize::forces_replacement(kind, name),
            });
        }
    }
    out
}

fn matches_target(address: &str, target: &str) -> bool {
    address == target
        || address
            .strip_prefix(target)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[') || rest.starts_with('#'))
}

fn select_targets(
    changes: Vec<PlannedChange>,
    targets: &[String],
    desired: &DesiredState,
    state: &State,
) -> Result<Vec<PlannedChange>> {
    let all: Vec<&str> = desired
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .chain(state.resources.keys().map(String::as_str))
        .collect();
    for t in targets {
        if !all.iter().any(|a| matches_target(a, t)) {
            let mut e = EngineError::new(
                codes::UNKNOWN_TARGET,
                format!("--target {t} names no resource of this stack or its state"),
            );
            if let Some(s) = drove_compiler::diag::did_you_mean(t, all.iter().copied()) {
                e = e.with_help(format!("did you mean `{s}`?"));
            }
            return Err(e);
        }
    }
    // A targeted resource brings what it needs along, so it can be created.
    let deps: HashMap<&str, &Vec<String>> = changes.iter().map(|c| (c.address.as_str(), &c.depends_on)).collect();
    let mut keep: HashSet<String> = HashSet::new();
    let mut stack: Vec<String> = changes
        .iter()
        .filter(|c| targets.iter().any(|t| matches_target(&c.address, t)))
        .map(|c| c.address.clone())
        .collect();
    while let Some(a) = stack.pop() {
        if keep.insert(a.clone()) {
            for d in deps.get(a.as_str()).map(|v| v.as_slice()).unwrap_or(&[]) {
                stack.push(d.clone());
            }
        }
    }
    Ok(changes.into_iter().filter(|c| keep.contains(&c.address)).collect())
}

/// A protected resource is never deleted, and replaced only when `--replace` names it.
fn check_protected(changes: &[PlannedChange], replace: &[String]) -> Result<()> {
    let mut replaced = Vec::new();
    let mut deleted = Vec::new();
    for c in changes.iter().filter(|c| c.protect) {
        match c.action {
            Action::Replace if !replace.contains(&c.address) => {
                let why: Vec<&str> = c.diffs.iter().filter(|d| d.forces_replacement).map(|d| d.name.as_str()).collect();
                replaced.push(format!("{} would be replaced (because of {})", c.address, why.join(", ")));
            }
            Action::Delete => deleted.push(c.address.clone()),
            _ => {}
        }
    }
    if replaced.is_empty() && deleted.is_empty() {
        return Ok(());
    }
    let mut what = replaced.clone();
    what.extend(deleted.iter().map(|a| format!("{a} would be deleted")));
    let help = if deleted.is_empty() {
        let names: Vec<String> = changes
            .iter()
            .filter(|c| c.protect && c.action == Action::Replace && !replace.contains(&c.address))
            .map(|c| format!("--replace {}", c.address))
            .collect();
        format!("to replace it anyway, run again with `{}`; or keep it declared as it is", names.join(" "))
    } else {
        "a protected resource is never deleted: keep it declared, or remove `protect = true` and apply that first"
            .to_string()
    };
    Err(EngineError::new(codes::PROTECTED, format!("refusing to touch protected resources: {}", what.join("; ")))
        .with_help(help))
}

/// Deletes of record sets the state does not hold (a zone's `unmanaged = delete`) count as
/// deletes and as part of the whole: without them in the total, a zone of five declared
/// records and fifty stray ones would be exempt as small.
fn check_mass_delete(changes: &[PlannedChange], state: &State, desired: &DesiredState) -> Result<()> {
    let deletes = changes.iter().filter(|c| c.action == Action::Delete).count();
    let outside: Vec<&PlannedChange> =
        changes.iter().filter(|c| c.action == Action::Delete && !state.resources.contains_key(&c.address)).collect();
    let total = state.resources.len() + outside.len();
    let help = if outside.is_empty() {
        "check that no declaration was lost; if the deletion is meant, run again with --allow-mass-delete".to_string()
    } else {
        format!(
            "{} of the deletes are records no zone declares (`unmanaged = delete`): check that they are not \
             another system's (an `ignore` rule leaves them alone) and that no declaration was lost; if the \
             deletion is meant, run again with --allow-mass-delete",
            outside.len()
        )
    };
    let help = help.as_str();
    if total >= MASS_DELETE_MIN && (deletes as f64) > desired.stack.max_delete * total as f64 {
        return Err(EngineError::new(
            codes::MASS_DELETE,
            format!(
                "this plan deletes {deletes} of the stack's {total} resources, more than its max_delete share of {:.0}%",
                desired.stack.max_delete * 100.0
            ),
        )
        .with_help(help));
    }
    let zone_of = crate::provider::record_zone;
    let mut per_zone: HashMap<String, (usize, usize)> = HashMap::new();
    let stored = state.resources.values().filter(|r| r.kind == record_set::KIND).map(|r| &r.attributes);
    for attributes in stored.chain(outside.iter().filter(|c| c.kind == record_set::KIND).map(|c| &c.before)) {
        if let Some(z) = zone_of(attributes) {
            per_zone.entry(z).or_default().0 += 1;
        }
    }
    for c in changes.iter().filter(|c| c.action == Action::Delete && c.kind == record_set::KIND) {
        if let Some(z) = zone_of(&c.before) {
            per_zone.entry(z).or_default().1 += 1;
        }
    }
    for (zone, (total, deletes)) in per_zone {
        if total >= MASS_DELETE_MIN && (deletes as f64) > desired.stack.max_zone_delete * total as f64 {
            return Err(EngineError::new(
                codes::MASS_DELETE,
                format!(
                    "this plan deletes {deletes} of the {total} records of zone {zone}, more than the max_zone_delete share of {:.0}%",
                    desired.stack.max_zone_delete * 100.0
                ),
            )
            .with_help(help));
        }
    }
    Ok(())
}
