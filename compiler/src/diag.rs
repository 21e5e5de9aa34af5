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
/// A diagnostic with several fixes offers them as alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
    /// A file the fix creates, empty, instead of leaving the source to name a file that
    /// is not there (`file("files/app.conf")`). The edit may then be empty.
    pub create: Option<std::path::PathBuf>,
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

    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        file: FileId,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix { title: title.into(), file, span, replacement: replacement.into(), create: None });
        self
    }

    /// Text put at `at`, nothing replaced.
    pub fn with_insertion(self, title: impl Into<String>, file: FileId, at: usize, text: impl Into<String>) -> Self {
        self.with_fix(title, file, at..at, text)
    }

    /// One fix per candidate for `span`, for a word that could be meant as any of them
    /// (the zones of a region for a letter it lacks).
    pub fn with_choices<'a>(mut self, file: FileId, span: Span, choices: impl IntoIterator<Item = &'a str>) -> Self {
        for c in choices {
            self = self.with_fix(format!("replace with `{c}`"), file, span.clone(), c);
        }
        self
    }

    /// The fix that creates an empty file at `path`.
    pub fn with_new_file(mut self, title: impl Into<String>, file: FileId, at: Span, path: std::path::PathBuf) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            file,
            span: at.start..at.start,
            replacement: String::new(),
            create: Some(path),
        });
        self
    }

    /// The did-you-mean of a misspelt word: `did you mean `NAME`?` as help, and the fix
    /// that puts `name` at `span`.
    pub fn with_replacement(self, file: FileId, span: Span, name: &str) -> Self {
        self.with_help(format!("did you mean `{name}`?")).with_fix(format!("replace with `{name}`"), file, span, name)
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
///
/// A candidate qualifies when it is a small edit away (one for names of up to three
/// characters, two otherwise; a swap of two neighbours counts as one edit, so `wbe`
/// finds `web`) or when Jaro-Winkler rates it as similar (long names with a shared
/// prefix). The fewest edits win, then the higher similarity.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    let limit = if name.chars().count() <= 3 { 1 } else { 2 };
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let lower = c.to_ascii_lowercase();
        let edits = strsim::osa_distance(&name, &lower);
        let similarity = strsim::jaro_winkler(&name, &lower);
        if edits > limit && similarity < 0.8 {
            continue;
        }
        let better = best.is_none_or(|(e, s, _)| edits < e || (edits == e && similarity > s));
        if better {
            best = Some((edits, similarity, c));
        }
    }
    best.map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("wbe", ["db", "web"]), Some("web"));
        assert_eq!(did_you_mean("pubic-c", ["public-a", "public-c"]), Some("public-c"));
        assert_eq!(did_you_mean("t3.mediun", ["t3.medium", "t3.micro", "t3a.medium"]), Some("t3.medium"));
        assert_eq!(did_you_mean("CNAM", ["CNAME", "NAPTR"]), Some("CNAME"));
        assert_eq!(did_you_mean("zzz", ["web", "db"]), None);
        assert_eq!(did_you_mean("network", ["firewall", "role"]), None);
    }
}
