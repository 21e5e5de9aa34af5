//! The one diagnostic type. The terminal renderer (ariadne), the JSON output of
//! `drove check` and the language server all read this, so a check is written once.

use crate::source::{FileId, Span};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file with an optional note, e.g. "first declared here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A machine-applicable edit that fixes the diagnostic (used for LSP code actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code: E00xx syntax, E01xx names, E02xx types and rules, E03xx plan,
    /// E04xx AWS, W0xxx lints. Every code has a page under `docs/codes/`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// Severity follows the code: `W` codes are warnings, everything else an error.
    pub fn new(code: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        let severity = if code.starts_with('W') { Severity::Warning } else { Severity::Error };
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label { file, span, message: String::new() },
            secondary: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    /// Text shown under the primary span (defaults to the message when empty).
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { file, span, message: message.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, title: impl Into<String>, file: FileId, span: Span, replacement: impl Into<String>) -> Self {
        self.fixes.push(Fix { title: title.into(), file, span, replacement: replacement.into() });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects diagnostics during a pass. Passed by `&mut` instead of returned so a check can
/// report many problems and keep going.
#[derive(Debug, Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Closest candidate for a misspelt name, for "did you mean" help lines.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}
