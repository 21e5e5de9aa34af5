//! Ownership by state lineage: a resource belongs to the state whose lineage its
//! `drove:lineage` tag names, not to whoever declares the same stack name. A second copy
//! of a stack (another checkout's state, a copied directory whose `stack` name was not
//! changed) finds the first copy's resources by their stack and address tags; taking them
//! would plan the replacement of a live network. `docs/state.md` states the rules.

use super::planner::diff;
use crate::error::{codes, EngineError};
use crate::provider::{Live, Wanted};
use crate::state::State;
use drove_compiler::model::{hosted_zone, record_set, schema_of};

/// A found resource this state may not take.
pub struct Foreign {
    pub address: String,
    pub id: String,
    pub why: String,
}

/// Whether this state must (re)write its ownership tags on a resource it holds.
pub fn needs_claim(kind: &str, live: &Live, lineage: Option<&str>) -> bool {
    let tagged = schema_of(kind).is_some_and(|s| s.tagged);
    tagged && lineage.is_some() && live.owner.as_deref() != lineage
}

/// Why a resource found for a declared address is not this state's to re-adopt, if it is
/// not. Record sets take no tags: one is this state's when its zone is (the zone is in
/// this state), or when it already holds exactly the declared values, as an apply of this
/// state that died before writing it leaves it; anything else at that name belongs to
/// someone else.
pub fn foreign(w: &Wanted, live: &Live, lineage: Option<&str>, work: &State) -> Option<String> {
    if w.kind == record_set::KIND {
        let zone = crate::provider::record_zone(&w.attributes);
        let ours = zone.is_some_and(|z| work.resources.values().any(|r| r.kind == hosted_zone::KIND && r.id == z));
        let identical = diff(&w.kind, &live.attributes, &w.attributes).is_empty();
        return (!ours && !identical).then(|| "a record set of other values in a zone this state does not hold".into());
    }
    if lineage.is_some_and(|l| live.owned_by_lineage(l)) {
        return None;
    }
    Some(match &live.owner {
        Some(o) => format!("lineage {}", short(o)),
        None => "no lineage tag (made before lineage tags, or tagged by hand)".into(),
    })
}

/// The plan's refusal, listing every foreign resource and the ways out.
pub fn refuse(stack: &str, lineage: Option<&str>, found: &[Foreign]) -> EngineError {
    let listed: Vec<String> = found.iter().map(|f| format!("  {} ({}): {}", f.address, f.id, f.why)).collect();
    let this =
        lineage.map_or("this stack has no state yet".to_string(), |l| format!("this state is lineage {}", short(l)));
    EngineError::new(
        codes::FOREIGN_RESOURCES,
        format!(
            "{} resource(s) carry stack `{stack}`'s tags but belong to another state ({this}); \
             taking them could replace or delete what another copy of this stack runs:\n{}",
            found.len(),
            listed.join("\n")
        ),
    )
    .with_help(
        "if this is a copy of another stack (a `staging/` copied from production, a teammate's checkout \
         with its own local state), give it its own name in its `stack` block; if these resources are \
         this stack's and its state was lost, point its `state` block at the state that made them; \
         to take them over on purpose, adopt them with `drove import aws`",
    )
}

/// Written on a claim: which lineage the tags will name.
pub fn claim_note(lineage: Option<&str>) -> String {
    format!("writes drove's ownership tags (drove:lineage {})", lineage.map(short).unwrap_or("new"))
}

fn short(lineage: &str) -> &str {
    lineage.get(..12).unwrap_or(lineage)
}
