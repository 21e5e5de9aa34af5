//! The imported source checked and compiled by the front end, as `drove check` and
//! `drove compile` would; and, when it has errors, which balancer declarations hold them,
//! so those balancers can be left out instead of the whole import refused.

use super::balancers::Balancer;
use super::OUT_FILE;
use drove_compiler::analysis::analyze;
use drove_compiler::compile::compile;
use drove_compiler::diag::Severity;
use drove_compiler::model::DesiredState;
use drove_compiler::source::Sources;
use std::collections::BTreeMap;
use std::ops::Range;

/// An error in the imported source: the line saying it, and where it is when it has a place.
pub struct Problem {
    at: Option<usize>,
    line: String,
}

pub fn lines_of(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.line.clone()).collect()
}

/// Checks the source with the front end and compiles it; any error means the import would
/// write something `drove check` rejects.
pub fn check_and_compile(text: &str) -> Result<(String, DesiredState, Vec<String>), Vec<Problem>> {
    let sources = Sources::single(OUT_FILE, text.to_string());
    let analysis = analyze(&sources);
    let file = sources.file(0);
    let lines: Vec<&str> = text.lines().collect();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for d in &analysis.diagnostics {
        let (l, _) = file.line_col(d.primary.span.start);
        let line = format!("{} [{}]: {}", d.message, d.code, lines.get(l).unwrap_or(&"").trim());
        if d.severity == Severity::Error {
            errors.push(Problem { at: Some(d.primary.span.start), line });
        } else {
            warnings.push(format!("warning: {line}"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let whole = |line: String| vec![Problem { at: None, line }];
    let desired = compile(&analysis).map_err(|e| whole(format!("the imported source does not compile: {e}")))?;
    let formatted = drove_compiler::fmt::format(text).map_err(|ds| {
        ds.into_iter().map(|d| Problem { at: None, line: format!("formatter: {}", d.message) }).collect::<Vec<_>>()
    })?;
    Ok((formatted, desired, warnings))
}

/// The source with the balancers after the rest, and where each balancer's text is.
pub fn compose(head: String, body: &str, balancers: &[Balancer]) -> (String, Vec<Range<usize>>) {
    let mut text = head;
    text.push_str(body);
    let mut ranges = Vec::new();
    for b in balancers {
        let start = text.len();
        text.push_str(&b.text);
        ranges.push(start..text.len());
    }
    (text, ranges)
}

/// The balancers `drove check` finds errors in (by index), with those errors; `None` when
/// an error lies elsewhere, which leaving balancers out does not mend.
pub fn faulty_balancers(problems: &[Problem], ranges: &[Range<usize>]) -> Option<BTreeMap<usize, Vec<String>>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for p in problems {
        let i = ranges.iter().position(|r| p.at.is_some_and(|at| r.contains(&at)))?;
        out.entry(i).or_default().push(p.line.clone());
    }
    Some(out)
}
