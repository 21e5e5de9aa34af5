//! The plan while typing: what the next apply would do to each declaration, as code lens
//! titles, and the plan's warnings as diagnostics at the declaration they are about. The
//! engine computes the plan from the last state (`PlanView` is its protocol-free
//! summary); this maps every resource address back to the declaration it comes from.

use crate::analysis::Analysis;
use crate::diag::Diagnostic;
use crate::render::counted;
use crate::sites::Declarations;
use crate::source::{FileId, Span};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    NoChange,
    Create,
    Update,
    Replace,
    Delete,
}

/// What the next apply does to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePlan {
    pub address: String,
    pub change: Change,
    /// The attributes that change (update, replace).
    pub attributes: Vec<String>,
    /// The attributes that force a replacement.
    pub forced_by: Vec<String>,
    /// Attributes whose new value is known only once the apply created what they name.
    pub unknown: Vec<String>,
    /// The address the state holds it at, when a move renames it.
    pub moved_from: Option<String>,
}

/// Something the next plan would refuse or that deserves a second look, at the
/// declaration of `address` when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanWarning {
    pub code: &'static str,
    pub address: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

/// A port of `address` the plan opens to the internet (`opened`) or closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposureChange {
    pub address: String,
    pub port: String,
    pub opened: bool,
}

/// The plan of one stack (in one environment) against its last state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanView {
    pub environment: Option<String>,
    pub resources: Vec<ResourcePlan>,
    pub warnings: Vec<PlanWarning>,
    pub exposure: Vec<ExposureChange>,
    /// What the plan took from the state instead of asking AWS (an image pattern's image).
    pub assumptions: Vec<String>,
    /// The whole plan as `drove plan` prints it.
    pub text: String,
}

/// A line of text to show above a declaration (or at the top of a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    pub file: FileId,
    pub span: Span,
    pub title: String,
}

/// More entries than this on one declaration are counted instead of listed.
const LISTED: usize = 4;

/// The lenses of a stack of `files` files: one per declaration the plan touches or keeps,
/// and the plan's summary at the top of every file.
pub fn lenses(analysis: &Analysis, view: &PlanView) -> Vec<Lens> {
    let declared = Declarations::of(analysis.stack_in(view.environment.as_deref()));
    let files = analysis.files.len();
    let mut per_decl: BTreeMap<(FileId, usize), (Span, &str, Vec<&ResourcePlan>)> = BTreeMap::new();
    let mut undeclared: Vec<&ResourcePlan> = Vec::new();
    for r in &view.resources {
        match declared.find_declaration(&r.address) {
            Some((own, file, span)) => per_decl.entry((file, span.start)).or_insert((span, own, Vec::new())).2.push(r),
            None => undeclared.push(r),
        }
    }
    let mut exposure: BTreeMap<(FileId, usize), Vec<&ExposureChange>> = BTreeMap::new();
    for e in &view.exposure {
        if let Some((file, span)) = declared.find(&e.address) {
            exposure.entry((file, span.start)).or_default().push(e);
        }
    }
    let mut out = Vec::new();
    let summary = summary(view, &undeclared);
    for file in 0..files {
        out.push(Lens { file, span: 0..0, title: summary.clone() });
    }
    for ((file, _), (span, own, resources)) in &per_decl {
        let mut title = declaration_title(own, resources);
        if let Some(es) = exposure.get(&(*file, span.start)) {
            title.push_str(&exposure_text(es));
        }
        let (file, span) = analysis.unshift(*file, span);
        out.push(Lens { file, span, title });
    }
    out
}

/// Diagnostics of the plan's warnings, at their declaration or, when it is gone from the
/// source, at the top of the first file.
pub fn warnings(analysis: &Analysis, view: &PlanView) -> Vec<Diagnostic> {
    // Called on every publish: no index of the declarations when there is nothing to place.
    if view.warnings.is_empty() {
        return Vec::new();
    }
    let declared = Declarations::of(analysis.stack_in(view.environment.as_deref()));
    view.warnings
        .iter()
        .map(|w| {
            let (file, span) = w.address.as_deref().and_then(|a| declared.find(a)).unwrap_or((0, 0..0));
            let mut d = Diagnostic::new(w.code, file, span, w.message.clone());
            if let Some(h) = &w.help {
                d = d.with_help(h.clone());
            }
            analysis.locate(d)
        })
        .collect()
}

fn declaration_title(prefix: &str, resources: &[&ResourcePlan]) -> String {
    let instances = resources.iter().filter(|r| is_instance(&r.address, prefix)).count();
    let changed: Vec<&&ResourcePlan> =
        resources.iter().filter(|r| r.change != Change::NoChange || r.moved_from.is_some()).collect();
    let head =
        if prefix.starts_with("hosts.") { format!("{}: ", counted(instances, "instance")) } else { String::new() };
    if changed.is_empty() {
        return format!("{head}no change");
    }
    let mut parts: Vec<String> = if changed.len() > LISTED {
        counts(changed.iter().map(|r| r.change))
    } else {
        changed.iter().map(|r| entry(prefix, r)).collect()
    };
    let unchanged = resources.len() - changed.len();
    if unchanged > 0 && changed.len() <= LISTED {
        parts.push(format!("{unchanged} unchanged"));
    }
    format!("{head}{}", parts.join(" · "))
}

fn is_instance(address: &str, prefix: &str) -> bool {
    prefix.starts_with("hosts.") && !address.ends_with("#deposed")
}

fn entry(prefix: &str, r: &ResourcePlan) -> String {
    let rest = r.address.get(prefix.len()..).unwrap_or("").trim_start_matches('.');
    let mut text = phrase(r);
    if !rest.is_empty() {
        text = format!("{rest} {text}");
    }
    // On a create every reference to something also created is unknown; only on a
    // change of what exists is it news.
    if !r.unknown.is_empty() && matches!(r.change, Change::Update | Change::Replace) {
        text.push_str(&format!(" (known after apply: {})", r.unknown.join(", ")));
    }
    text
}

fn phrase(r: &ResourcePlan) -> String {
    let moved = r.moved_from.as_ref().map(|m| format!("moved from {m}"));
    let action = match r.change {
        Change::NoChange => None,
        Change::Create => Some("+ create".to_string()),
        Change::Delete => Some("- delete".to_string()),
        Change::Update => Some(format!("~ update {}", r.attributes.join(", "))),
        Change::Replace if r.forced_by.is_empty() => Some("-/+ replace".to_string()),
        Change::Replace => Some(format!("-/+ replace ({} forces it)", r.forced_by.join(", "))),
    };
    match (moved, action) {
        (Some(m), Some(a)) => format!("{m}, {a}"),
        (Some(m), None) => format!("{m}, no change"),
        (None, Some(a)) => a,
        (None, None) => "no change".into(),
    }
}

fn counts(changes: impl Iterator<Item = Change>) -> Vec<String> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for c in changes {
        let what = match c {
            Change::Create => "+ create",
            Change::Update => "~ update",
            Change::Replace => "-/+ replace",
            Change::Delete => "- delete",
            Change::NoChange => "moved",
        };
        *n.entry(what).or_default() += 1;
    }
    n.into_iter().map(|(what, k)| format!("{k} × {what}")).collect()
}

fn exposure_text(es: &[&ExposureChange]) -> String {
    // A group's instances share their ports: each once.
    let list = |opened: bool| {
        let mut ports: Vec<&str> = Vec::new();
        for e in es.iter().filter(|e| e.opened == opened) {
            if !ports.contains(&e.port.as_str()) {
                ports.push(&e.port);
            }
        }
        ports
    };
    let mut text = String::new();
    let (opened, closed) = (list(true), list(false));
    if !opened.is_empty() {
        text.push_str(&format!(" · ⚠ newly reachable from the internet: {}", opened.join(", ")));
    }
    if !closed.is_empty() {
        text.push_str(&format!(" · no longer reachable from the internet: {}", closed.join(", ")));
    }
    text
}

fn summary(view: &PlanView, undeclared: &[&ResourcePlan]) -> String {
    let count = |c: Change| view.resources.iter().filter(|r| r.change == c).count();
    let env = view.environment.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default();
    let (create, update, replace, delete) =
        (count(Change::Create), count(Change::Update), count(Change::Replace), count(Change::Delete));
    let moved = view.resources.iter().filter(|r| r.moved_from.is_some()).count();
    let mut text = if create + update + replace + delete + moved == 0 {
        format!("plan{env}: no changes")
    } else {
        let mut t =
            format!("plan{env}: {create} to create, {update} to update, {replace} to replace, {delete} to delete");
        if moved > 0 {
            t.push_str(&format!(", {moved} moved"));
        }
        t
    };
    let gone: Vec<&str> =
        undeclared.iter().filter(|r| r.change == Change::Delete).map(|r| r.address.as_str()).collect();
    if !gone.is_empty() {
        let shown: Vec<&str> = gone.iter().take(LISTED).copied().collect();
        let more = if gone.len() > LISTED { format!(" and {} more", gone.len() - LISTED) } else { String::new() };
        text.push_str(&format!(" · deletes {}{more}", shown.join(", ")));
    }
    let opened = view.exposure.iter().filter(|e| e.opened).count();
    if opened > 0 {
        text.push_str(&format!(" · ⚠ opens {} to the internet", counted(opened, "port")));
    }
    if !view.warnings.is_empty() {
        text.push_str(&format!(" · {}", counted(view.warnings.len(), "warning")));
    }
    text
}

#[cfg(test)]
mod tests;
