//! Compiler positions (byte spans per file) to protocol positions (UTF-16 lines and
//! columns) and compiler diagnostics to protocol diagnostics.

use crate::explain;
use crate::workspace::Snapshot;
use drove_compiler::diag::{self, Severity};
use drove_compiler::source::{FileId, SourceFile, Span};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    Range,
};

pub fn position(file: &SourceFile, offset: usize) -> Position {
    let (l, c) = file.line_col_utf16(offset);
    Position::new(l as u32, c as u32)
}

pub fn range(file: &SourceFile, span: &Span) -> Range {
    Range::new(position(file, span.start), position(file, span.end.max(span.start)))
}

pub fn offset(file: &SourceFile, p: Position) -> usize {
    file.offset_utf16(p.line as usize, p.character as usize)
}

pub fn location(snap: &Snapshot, file: FileId, span: &Span) -> Option<Location> {
    let uri = snap.uris.get(file)?.clone();
    let src = snap.sources.files.get(file)?;
    Some(Location::new(uri, range(src, span)))
}

/// The protocol form of one diagnostic. The help line is appended to the message, as the
/// terminal renderer shows it under the snippet.
pub fn diagnostic(snap: &Snapshot, d: &diag::Diagnostic) -> Option<Diagnostic> {
    let src = snap.sources.files.get(d.primary.file)?;
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: location(snap, l.file, &l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    Some(Diagnostic {
        range: range(src, &d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: explain::url(d.code).map(|href| CodeDescription { href }),
        source: Some("drove".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    })
}

/// How many diagnostics a file gets unless the client sets `maxDiagnosticsPerFile`. VS Code
/// shows no more than 1,000 a file (errors first) and drops the rest on its side; sending
/// 10,000 costs the editor more than checking costs the server.
pub const DEFAULT_LIMIT: usize = 1000;

/// The diagnostics of a snapshot's analysis and `extra` (the plan's and drift's), grouped by
/// the file they point at, at most `limit` a file (0: all) plus one line saying how many
/// were left out. Errors are kept before warnings; what is kept stays in its order.
pub fn diagnostics_by_file(snap: &Snapshot, extra: &[diag::Diagnostic], limit: usize) -> Vec<Vec<Diagnostic>> {
    let mut grouped: Vec<Vec<&diag::Diagnostic>> = vec![Vec::new(); snap.uris.len()];
    let analysed = snap.analysis.iter().flat_map(|a| &a.diagnostics);
    for d in analysed.chain(extra) {
        if let Some(list) = grouped.get_mut(d.primary.file) {
            list.push(d);
        }
    }
    grouped.into_iter().map(|ds| within_limit(snap, ds, limit)).collect()
}

fn within_limit(snap: &Snapshot, mut ds: Vec<&diag::Diagnostic>, limit: usize) -> Vec<Diagnostic> {
    let mut left_out = Vec::new();
    if limit > 0 && ds.len() > limit {
        // The first errors up to the limit, then the first warnings in the room left.
        let errors = ds.iter().filter(|d| d.severity == Severity::Error).count();
        let mut room = [limit.min(errors), limit.saturating_sub(errors)];
        (ds, left_out) = ds.into_iter().partition(|d| {
            let left = &mut room[usize::from(d.severity != Severity::Error)];
            let keep = *left > 0;
            *left = left.saturating_sub(1);
            keep
        });
    }
    let mut out: Vec<Diagnostic> = ds.iter().filter_map(|d| diagnostic(snap, d)).collect();
    if let Some(first) = left_out.iter().min_by_key(|d| d.primary.span.start) {
        let errors = left_out.iter().filter(|d| d.severity == Severity::Error).count();
        let what = match (errors, left_out.len() - errors) {
            (_, 0) => "errors",
            (0, _) => "warnings",
            _ => "errors and warnings",
        };
        let message = format!(
            "{} more {what} in this file are not shown here (the editor gets at most {limit} a file: \
             `maxDiagnosticsPerFile`); `drove check` lists them all",
            left_out.len()
        );
        if let Some(src) = snap.sources.files.get(first.primary.file) {
            out.push(Diagnostic {
                range: range(src, &first.primary.span),
                severity: Some(DiagnosticSeverity::INFORMATION),
                source: Some("drove".into()),
                message,
                ..Default::default()
            });
        }
    }
    out
}
