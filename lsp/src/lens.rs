//! The plan and drift features in protocol shapes: code lenses from the last plan, the
//! plan's warnings and the refresh's drift as extra diagnostics, and the "revert on next
//! apply" action.

use crate::convert::{self, range};
use crate::plans::PlanSlot;
use crate::workspace::Snapshot;
use drove_compiler::diag;
use drove_compiler::ide::drift::{self, DriftView};
use drove_compiler::ide::plan_lens;
use drove_compiler::source::FileId;
use serde_json::json;
use std::collections::BTreeSet;
use tower_lsp_server::ls_types::*;

/// The client-side command every lens runs: the whole plan as text.
pub const SHOW_PLAN: &str = "drove.showPlan";
/// Server commands (the clients' own commands call them).
pub const PLAN_TEXT: &str = "drove.server.plan";
pub const REFRESH: &str = "drove.server.refresh";
pub const REVERT: &str = "drove.server.revert";

fn lens(
    src: &drove_compiler::source::SourceFile,
    span: &drove_compiler::source::Span,
    title: String,
    uri: &Uri,
) -> CodeLens {
    CodeLens {
        range: range(src, span),
        command: Some(Command { title, command: SHOW_PLAN.into(), arguments: Some(vec![json!(uri.as_str())]) }),
        data: None,
    }
}

/// The lenses of `file`: before any plan, one saying the state is being read; when there
/// is no plan, one saying why.
pub fn code_lenses(snap: &Snapshot, file: FileId, slot: Option<&PlanSlot>) -> Option<Vec<CodeLens>> {
    let src = snap.sources.files.get(file)?;
    let uri = snap.uris.get(file)?;
    let top = 0..0;
    let Some(slot) = slot else {
        return Some(vec![lens(src, &top, "plan: reading the last state…".into(), uri)]);
    };
    let view = match &slot.outcome {
        Ok(v) => v,
        Err(why) => return Some(vec![lens(src, &top, format!("plan: none ({why})"), uri)]),
    };
    let a = snap.analysis.as_ref()?;
    let mut out = Vec::new();
    for l in plan_lens::lenses(a, view).into_iter().filter(|l| l.file == file) {
        let title = match (&slot.stale, l.span == top) {
            (Some(why), true) => format!("{} (as of the last text that checked: {why})", l.title),
            _ => l.title,
        };
        out.push(lens(src, &l.span, title, uri));
    }
    Some(out)
}

/// The plan's warnings and the drift left to show, as compiler diagnostics.
pub fn extra_diagnostics(
    snap: &Snapshot,
    slot: Option<&PlanSlot>,
    drift: Option<&(std::sync::Arc<DriftView>, BTreeSet<String>)>,
) -> Vec<diag::Diagnostic> {
    let Some(a) = &snap.analysis else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(PlanSlot { outcome: Ok(view), stale: None, .. }) = slot {
        out.extend(plan_lens::warnings(a, view));
    }
    if let Some((view, reverting)) = drift {
        out.extend(drift::diagnostics(a, view, |address| reverting.contains(address)));
    }
    out
}

/// "Revert on next apply" for each drift diagnostic on the requested range.
pub fn revert_actions(
    snap: &Snapshot,
    file: FileId,
    drift_code: &str,
    extra: &[diag::Diagnostic],
    (lo, hi): (usize, usize),
) -> Vec<CodeActionOrCommand> {
    let Some(uri) = snap.uris.get(file) else { return Vec::new() };
    extra
        .iter()
        .filter(|d| d.code == drift_code && d.primary.file == file)
        .filter(|d| d.primary.span.start <= hi && lo <= d.primary.span.end)
        .filter_map(|d| {
            let address = d.primary.message.clone();
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("revert {address} on the next apply"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(snap, d)?]),
                command: Some(Command {
                    title: "revert on the next apply".into(),
                    command: REVERT.into(),
                    arguments: Some(vec![json!(uri.as_str()), json!(address)]),
                }),
                ..Default::default()
            }))
        })
        .collect()
}
