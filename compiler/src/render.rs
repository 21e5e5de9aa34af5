//! The terminal and JSON renderers of [`Diagnostic`]s. The language server has its own
//! conversion; both read the same diagnostic, so a check is written once.

use crate::diag::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, Sources, Span};
use ariadne::{CharSet, Config, IndexType, Report, ReportKind, Source};
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::OnceLock;

mod single_line;

/// Lines longer than this (in bytes) are not printed under a diagnostic: a 10 MB
/// generated line would bury the message. The location is still given.
const MAX_SHOWN_LINE: usize = 1000;

/// One entry of `drove check --format json`; the field set is part of the CLI contract.
/// Lines and columns are 1-based, columns count characters, the end is exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

/// The contract's JSON shape of one diagnostic.
pub fn to_json(sources: &Sources, d: &Diagnostic) -> JsonDiagnostic {
    let path = sources.files.get(d.primary.file).map(|f| f.path.display().to_string());
    located_json(sources, d, path.unwrap_or_default())
}

/// [`to_json`] with the primary file's path already written out.
fn located_json(sources: &Sources, d: &Diagnostic, file: String) -> JsonDiagnostic {
    let ((line, column), (end_line, end_column)) = match sources.files.get(d.primary.file) {
        Some(f) => {
            let span = clamp(f, &d.primary.span);
            (f.line_col(span.start), f.line_col(span.end))
        }
        None => ((0, 0), (0, 0)),
    };
    JsonDiagnostic {
        file,
        line: line + 1,
        column: column + 1,
        end_line: end_line + 1,
        end_column: end_column + 1,
        severity: d.severity,
        code: d.code,
        message: d.message.clone(),
    }
}

/// `drove check --format json`: a pretty JSON array, in the order given.
pub fn json(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    json_stacks(&[(sources, diagnostics)])
}

/// The diagnostics of several stacks as one JSON array, in the shape of [`json`].
pub fn json_stacks(stacks: &[(&Sources, &[Diagnostic])]) -> String {
    let mut all: Vec<JsonDiagnostic> = Vec::new();
    for (sources, diagnostics) in stacks {
        // Each path is written out once, not once per diagnostic.
        let paths: Vec<String> = sources.files.iter().map(|f| f.path.display().to_string()).collect();
        all.extend(
            diagnostics
                .iter()
                .map(|d| located_json(sources, d, paths.get(d.primary.file).cloned().unwrap_or_default())),
        );
    }
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".to_string())
}

/// Below this many reports one thread draws them all; above, the work is split, since
/// ariadne's drawing (about 58,000 instructions a report) is most of checking a stack
/// that reports thousands of warnings.
const REPORTS_PER_THREAD: usize = 500;

/// All diagnostics as terminal reports, one after another. `color` is decided by the
/// caller (NO_COLOR, whether the stream is a terminal).
pub fn text(sources: &Sources, diagnostics: &[Diagnostic], color: bool) -> String {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    text_on(sources, diagnostics, color, threads.min(diagnostics.len().div_ceil(REPORTS_PER_THREAD)))
}

/// [`text`] drawn by `threads` threads.
fn text_on(sources: &Sources, diagnostics: &[Diagnostic], color: bool, threads: usize) -> String {
    let paths: Vec<String> = sources.files.iter().map(|f| f.path.display().to_string()).collect();
    // A file is indexed into lines by ariadne once, for every report and thread, and only
    // when a report ariadne draws shows it: a zone's reports are mostly drawn without it.
    let indexed: Vec<OnceLock<Source<&str>>> = sources.files.iter().map(|_| OnceLock::new()).collect();
    let lines_as_ours: Vec<OnceLock<bool>> = sources.files.iter().map(|_| OnceLock::new()).collect();
    let cache = Cache { sources, paths: &paths, indexed: &indexed, lines_as_ours: &lines_as_ours };
    let out = if threads <= 1 {
        reports(cache, diagnostics, color)
    } else {
        // Contiguous chunks joined in order: the output is the same as from one thread.
        let chunk = diagnostics.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> =
                diagnostics.chunks(chunk).map(|part| scope.spawn(move || reports(cache, part, color))).collect();
            let mut out = String::new();
            for part in parts {
                match part.join() {
                    Ok(text) => out.push_str(&text),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    };
    out
}

fn reports(mut cache: Cache<'_, '_>, diagnostics: &[Diagnostic], color: bool) -> String {
    let (mut out, mut scratch) = (String::new(), Vec::new());
    for d in diagnostics {
        report(&mut cache, d, color, &mut out, &mut scratch);
    }
    out
}

/// "1 error", "2 warnings": a count and its noun, plural unless one.
pub fn counted(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "2 errors, 1 warning", or "no problems".
pub fn summary<'d>(diagnostics: impl IntoIterator<Item = &'d Diagnostic>) -> String {
    let (mut errors, mut warnings) = (0, 0);
    for d in diagnostics {
        if d.severity == Severity::Error {
            errors += 1;
        } else {
            warnings += 1;
        }
    }
    match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (e, 0) => counted(e, "error"),
        (0, w) => counted(w, "warning"),
        (e, w) => format!("{}, {}", counted(e, "error"), counted(w, "warning")),
    }
}

/// Appends one report to `out`: ariadne's, or the compact form when a line is too long
/// to show or ariadne cannot draw it.
fn report(cache: &mut Cache<'_, '_>, d: &Diagnostic, color: bool, out: &mut String, scratch: &mut Vec<u8>) {
    if single_line(cache, d, color, out) {
        return;
    }
    let labels: Vec<&Label> = std::iter::once(&d.primary).chain(&d.secondary).collect();
    let showable = labels
        .iter()
        .all(|l| cache.sources.files.get(l.file).is_some_and(|f| longest_line_under(f, &l.span) <= MAX_SHOWN_LINE));
    scratch.clear();
    if showable && ariadne_report(cache, d, color, scratch).is_some() {
        // ariadne writes only the sources' text and its own: this never replaces anything.
        out.push_str(&String::from_utf8_lossy(scratch));
        return;
    }
    out.push_str(&plain_report(cache.sources, d, &labels));
}

/// Appends the report drawn by [`single_line::SingleLine`] when it is of that shape.
fn single_line(cache: &Cache<'_, '_>, d: &Diagnostic, color: bool, out: &mut String) -> bool {
    let Some(f) = cache.sources.files.get(d.primary.file) else { return false };
    let lines_as_ours =
        || cache.lines_as_ours.get(d.primary.file).is_some_and(|c| *c.get_or_init(|| no_other_line_breaks(&f.text)));
    if !d.secondary.is_empty() || !lines_as_ours() {
        return false;
    }
    let span = clamp(f, &d.primary.span);
    let (line_index, line) = f.line_at(span.start);
    if span.end > line.end || line.len() > MAX_SHOWN_LINE {
        return false;
    }
    let report = single_line::SingleLine {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        path: &cache.paths[d.primary.file],
        line: &f.text[line.clone()],
        line_index,
        start: span.start - line.start,
        end: span.end - line.start,
        label: if d.primary.message.is_empty() { &d.message } else { &d.primary.message },
        help: d.help.as_deref(),
    };
    if !report.fits() {
        return false;
    }
    report.write(out, color);
    true
}

fn ariadne_report(cache: &mut Cache<'_, '_>, d: &Diagnostic, color: bool, out: &mut Vec<u8>) -> Option<()> {
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte).with_char_set(CharSet::Unicode);
    let primary = cache.located(&d.primary)?;
    let primary_text = if d.primary.message.is_empty() { &d.message } else { &d.primary.message };
    // ariadne starts a new snippet whenever a label lies above the previous one, so labels
    // go in reading order (the primary's file first) to share one snippet per file.
    let mut labels: Vec<(bool, &Label)> =
        std::iter::once((true, &d.primary)).chain(d.secondary.iter().map(|l| (false, l))).collect();
    labels.sort_by_key(|(_, l)| (l.file != d.primary.file, l.file, l.span.start));
    let mut builder = Report::build(kind, primary).with_config(config).with_code(d.code).with_message(&d.message);
    for (order, (is_primary, l)) in labels.into_iter().enumerate() {
        let span = cache.located(l)?;
        let text = if is_primary { primary_text } else { &l.message };
        let label = ariadne::Label::new(span).with_message(text).with_order(order as i32);
        builder = builder.with_label(match (color, is_primary) {
            (false, _) => label,
            (true, true) => with_color(label, kind),
            (true, false) => label.with_color(ariadne::Color::Cyan),
        });
    }
    if let Some(help) = &d.help {
        builder = builder.with_help(help);
    }
    builder.finish().write(&mut *cache, out).ok()
}

fn with_color<'s>(
    label: ariadne::Label<(FileKey<'s>, Span)>,
    kind: ReportKind<'_>,
) -> ariadne::Label<(FileKey<'s>, Span)> {
    match kind {
        ReportKind::Warning => label.with_color(ariadne::Color::Yellow),
        _ => label.with_color(ariadne::Color::Red),
    }
}

/// How a report's header names its severity, as ariadne does.
fn kind_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    }
}

/// A compact form for diagnostics whose lines are too long to print.
fn plain_report(sources: &Sources, d: &Diagnostic, labels: &[&Label]) -> String {
    let mut out = format!("[{}] {}: {}\n", d.code, kind_word(d.severity), d.message);
    for (i, l) in labels.iter().enumerate() {
        let Some(f) = sources.files.get(l.file) else { continue };
        let span = clamp(f, &l.span);
        let (line, col) = f.line_col(span.start);
        let note = match (i, l.message.is_empty()) {
            (0, true) => d.message.as_str(),
            _ => l.message.as_str(),
        };
        let _ =
            writeln!(out, "   ╭─[ {}:{}:{} ] {note} (line not shown: too long)", f.path.display(), line + 1, col + 1);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "   │ Help: {help}");
    }
    out
}

/// A span that is inside the text and on character boundaries, so neither renderer can
/// slice out of range whatever a check produced.
fn clamp(f: &SourceFile, span: &Span) -> Span {
    let len = f.text.len();
    let mut start = span.start.min(len);
    while !f.text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, len);
    while !f.text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Whether ariadne numbers the lines of `text` as [`SourceFile`] does: it also breaks
/// lines at CR, VT, FF, NEL and the Unicode line and paragraph separators.
fn no_other_line_breaks(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr3(b'\r', 0x0B, 0x0C, b).is_none()
        && ["\u{85}", "\u{2028}", "\u{2029}"].iter().all(|sep| memchr::memmem::find(b, sep.as_bytes()).is_none())
}

fn longest_line_under(f: &SourceFile, span: &Span) -> usize {
    let span = clamp(f, span);
    let text = f.text.as_bytes();
    let line_start = text[..span.start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| span.end + i);
    text[line_start..line_end].split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap_or(0)
}

/// A file as ariadne knows it: compared by id, shown by its path, so no label needs a
/// string of its own.
#[derive(Debug, Clone, Copy)]
struct FileKey<'s> {
    id: FileId,
    path: &'s str,
}

impl PartialEq for FileKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for FileKey<'_> {}

impl std::hash::Hash for FileKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// Feeds ariadne the files of a stack: each path written out once and each file shown
/// indexed into lines once for all the reports of a render.
#[derive(Clone, Copy)]
struct Cache<'s, 'p> {
    sources: &'s Sources,
    /// Each file's path as shown, by `FileId`.
    paths: &'p [String],
    /// Each file's lines as ariadne counts them, by `FileId`, once a report needs them.
    indexed: &'p [OnceLock<Source<&'s str>>],
    /// Whether ariadne numbers a file's lines as `SourceFile` does (no other line breaks),
    /// once a report needs to know.
    lines_as_ours: &'p [OnceLock<bool>],
}

impl<'p> Cache<'_, 'p> {
    /// The ariadne span of a label, or None when it names no file of `sources`.
    fn located(&self, l: &Label) -> Option<(FileKey<'p>, Span)> {
        let f = self.sources.files.get(l.file)?;
        Some((FileKey { id: l.file, path: &self.paths[l.file] }, clamp(f, &l.span)))
    }
}

impl<'s, 'p> ariadne::Cache<FileKey<'_>> for Cache<'s, 'p> {
    type Storage = &'s str;

    fn fetch(&mut self, key: &FileKey<'_>) -> Result<&Source<&'s str>, impl std::fmt::Debug> {
        let (indexed, sources): (&'p [OnceLock<Source<&'s str>>], &'s Sources) = (self.indexed, self.sources);
        match (indexed.get(key.id), sources.files.get(key.id)) {
            (Some(cell), Some(f)) => Ok(cell.get_or_init(|| Source::from(f.text.as_str()))),
            _ => Err(format!("no file {} in this stack", key.path)),
        }
    }

    fn display<'a>(&self, key: &'a FileKey<'_>) -> Option<impl std::fmt::Display + 'a> {
        Some(key.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Sources, Diagnostic) {
        let mut sources = Sources::default();
        let a = sources.add("net.drove", "network main {\n  subnet a { cidr = 10.0.1.0/24 }\n}\n");
        let b = sources.add("more.drove", "network mäin {}\n");
        let d = Diagnostic::new(code(), b, 8..13, "duplicate network `mäin`")
            .with_label("declared again here")
            .with_secondary(a, 8..12, "first declared here")
            .with_help("rename one of them");
        (sources, d)
    }

    /// Any code works for rendering; a page-backed one keeps the code test honest.
    fn code() -> &'static str {
        crate::codes::all().first().map_or("E0000", |(c, _)| c)
    }

    #[test]
    fn json_counts_characters_not_bytes_and_is_one_based() {
        let (sources, d) = sample();
        let j = to_json(&sources, &d);
        assert_eq!((j.line, j.column, j.end_line, j.end_column), (1, 9, 1, 13));
        assert_eq!(j.file, "more.drove");
        let v: serde_json::Value = serde_json::from_str(&json(&sources, &[d])).unwrap();
        let keys: Vec<&str> = v[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["file", "line", "column", "end_line", "end_column", "severity", "code", "message"]);
        assert_eq!(v[0]["severity"], "error");
    }

    #[test]
    fn text_has_code_labels_and_help_without_colour() {
        let (sources, d) = sample();
        let out = text(&sources, std::slice::from_ref(&d), false);
        assert!(!out.contains('\u{1b}'), "{out}");
        for part in [
            d.code,
            "duplicate network `mäin`",
            "declared again here",
            "first declared here",
            "Help: rename one of them",
            "more.drove:1:9",
            "net.drove",
        ] {
            assert!(out.contains(part), "missing {part:?} in\n{out}");
        }
        assert!(text(&sources, &[d], true).contains('\u{1b}'));
    }

    #[test]
    fn labels_of_one_file_share_one_snippet_headed_by_the_primary() {
        let sources =
            Sources::single("net.drove", "subnet a { cidr = 10.0.1.0/24 }\nsubnet b { cidr = 10.0.1.0/25 }\n");
        let d = Diagnostic::new(code(), 0, 50..61, "overlap").with_secondary(0, 18..29, "declared here");
        let out = text(&sources, &[d], false);
        assert_eq!(out.matches("─[ ").count(), 1, "{out}");
        assert!(out.contains("net.drove:2:19"), "{out}");
    }

    #[test]
    // A reversed span is exactly the bad input this test feeds the renderer.
    #[allow(clippy::reversed_empty_ranges)]
    fn out_of_range_and_mid_character_spans_do_not_panic() {
        let (sources, d) = sample();
        let mut bad = d.clone();
        bad.primary.span = 10..400;
        bad.secondary[0].span = 9999..2;
        let out = text(&sources, &[bad.clone()], false);
        assert!(out.contains(d.code));
        let j = to_json(&sources, &bad);
        assert_eq!((j.line, j.end_line), (1, 2));
    }

    #[test]
    fn very_long_lines_are_not_printed() {
        let long = format!("let x = \"{}", "a".repeat(50_000));
        let sources = Sources::single("big.drove", long);
        let d = Diagnostic::new(code(), 0, 8..9, "unterminated string");
        let out = text(&sources, &[d], false);
        assert!(out.len() < 500, "{}", out.len());
        assert!(out.contains("big.drove:1:9"), "{out}");
    }

    #[test]
    fn reports_drawn_in_chunks_read_as_drawn_by_one_thread() {
        let zone: String = (0..1000).map(|i| format!("  h{i} A 10.0.0.{}\n", i % 250)).collect();
        let sources = Sources::single("zone.drove", zone);
        let f = sources.file(0);
        let diagnostics: Vec<Diagnostic> = (0..f.line_count() - 1)
            .map(|line| {
                let start = f.offset_utf16(line, 2);
                Diagnostic::new(code(), 0, start..start + 2, format!("line {line}")).with_help("help")
            })
            .collect();
        let one = text_on(&sources, &diagnostics, false, 1);
        assert!(one.contains("zone.drove:1000:3"), "{}", &one[one.len() - 400..]);
        assert_eq!(text_on(&sources, &diagnostics, false, 3), one);
        assert_eq!(text_on(&sources, &diagnostics, true, 4), text_on(&sources, &diagnostics, true, 1));
    }

    /// ariadne's own drawing of one report, for comparing with what `text` chose.
    fn by_ariadne(sources: &Sources, d: &Diagnostic) -> String {
        let paths: Vec<String> = sources.files.iter().map(|f| f.path.display().to_string()).collect();
        let indexed: Vec<OnceLock<Source<&str>>> = sources.files.iter().map(|_| OnceLock::new()).collect();
        let ours: Vec<OnceLock<bool>> = sources.files.iter().map(|_| OnceLock::from(false)).collect();
        let mut cache = Cache { sources, paths: &paths, indexed: &indexed, lines_as_ours: &ours };
        let mut out = Vec::new();
        ariadne_report(&mut cache, d, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_label_reports_read_as_ariadne_draws_them_whatever_breaks_the_lines() {
        for brk in ["\n", "\r\n", "\r", "\x0B", "\x0C", "\u{85}", "\u{2028}", "\u{2029}"] {
            let text = format!("zone \"a.\" {{{brk}  www 300 A 10.0.0.1\n  api 300 A 10.0.0.2\n}}\n");
            let sources = Sources::single("z.drove", text.clone());
            let start = text.find("10.0.0.2").unwrap();
            let d = Diagnostic::new(code(), 0, start..start + 8, "private").with_help("help");
            assert_eq!(text_on(&sources, std::slice::from_ref(&d), false, 1), by_ariadne(&sources, &d), "{brk:?}");
        }
    }

    #[test]
    fn summary_counts_each_severity() {
        let (_, e) = sample();
        let mut w = e.clone();
        w.severity = Severity::Warning;
        assert_eq!(summary(&[]), "no problems");
        assert_eq!(summary(&[e.clone(), e.clone(), w.clone()]), "2 errors, 1 warning");
        assert_eq!(summary(&[w.clone(), w]), "2 warnings");
        assert_eq!(summary(&[e]), "1 error");
    }
}
