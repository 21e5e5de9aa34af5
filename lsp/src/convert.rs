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

/// Diagnostics of a snapshot grouped by the file they point at.
pub fn diagnostics_by_file(snap: &Snapshot) -> Vec<Vec<Diagnostic>> {
    let mut out = vec![Vec::new(); snap.uris.len()];
    if let Some(a) = &snap.analysis {
        for d in &a.diagnostics {
            if let (Some(list), Some(lsp)) = (out.get_mut(d.primary.file), diagnostic(snap, d)) {
                list.push(lsp);
            }
        }
    }
    out
}
