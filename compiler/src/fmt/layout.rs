//! Rows and how a run of them is laid out: the children of a block, list, map or call
//! become entries (rows, own-line comments, blank lines); consecutive rows of one kind are
//! aligned in columns, and their trailing comments line up.

use super::printer::{comment_text, indent, push_comment, width, Printer};
use crate::source::Span;

/// How the cells of consecutive rows line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `key = value`: keys padded so the `=` line up.
    Attr,
    /// A record of a zone: name, TTL, type, values, in columns two blanks apart.
    Record,
    /// A firewall rule: verb, protocol, ports, direction and sources.
    Rule,
    /// A statement with a one-line block and this many words before it
    /// (`subnet public-a { … }`): words padded so the blocks line up.
    Cells(usize),
    /// Anything else on one line: nothing padded, only trailing comments aligned.
    Plain,
}

impl Kind {
    fn sep(self) -> &'static str {
        match self {
            Kind::Record => "  ",
            _ => " ",
        }
    }

    fn pads(self) -> bool {
        !matches!(self, Kind::Plain)
    }
}

/// A row that fits the table model: its first line is cells, then maybe a one-line block,
/// then maybe continuation lines (after a trailing comma) that start under `cont_cell`.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub kind: Kind,
    pub cells: Vec<String>,
    /// The `key = value` items of a one-line block, with their keys.
    pub block: Option<Vec<(String, String)>>,
    /// A comment ending the first line when continuation lines follow.
    pub first_comment: Option<String>,
    pub cont_cell: usize,
    /// Continuation lines with their comments; an empty text is a comment-only line.
    pub cont: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Table(TableRow),
    /// Complete lines, indentation included (a long string's lines are verbatim).
    Lines(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub body: Body,
    pub trailing: Option<String>,
}

impl Row {
    fn multi_line(&self) -> bool {
        match &self.body {
            Body::Table(t) => !t.cont.is_empty(),
            Body::Lines(l) => l.len() > 1,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Entry {
    Blank,
    Comment(String),
    Row(Row),
}

impl<'a> Printer<'a> {
    /// The entries for `children` that sit between `open_end` (just after the opener, or
    /// the start of the file) and `close_start` (the closer, or the end of the file):
    /// comments before a child go on their own lines, a comment on the line where a child
    /// ends trails it, and blank lines the user left are kept (at most one).
    pub fn entries<T>(
        &mut self,
        children: &[T],
        span_of: impl Fn(&T) -> Span,
        mut render: impl FnMut(&mut Self, &T, bool) -> Body,
        open_end: usize,
        close_start: usize,
    ) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut prev_end = open_end;
        for (i, child) in children.iter().enumerate() {
            let span = span_of(child);
            self.own_line_comments(&mut out, &mut prev_end, span.start);
            if self.blank_between(prev_end, span.start) {
                out.push(Entry::Blank);
            }
            let is_last = i + 1 == children.len();
            let body = render(self, child, is_last);
            // Comments inside a child that its renderer had no place for (none in a
            // well-formed tree) still come out, right after it.
            let stray = self.take_before(span.end);
            let next_start = children.get(i + 1).map(|c| span_of(c).start).unwrap_or(close_start);
            let trailing = self.take_trailing(span.end, next_start);
            prev_end = trailing.map(|c| c.span.end).unwrap_or(span.end);
            out.push(Entry::Row(Row { body, trailing: trailing.map(|c| comment_text(c).to_string()) }));
            out.extend(stray.into_iter().map(|c| Entry::Comment(comment_text(c).to_string())));
        }
        self.own_line_comments(&mut out, &mut prev_end, close_start);
        out
    }

    fn own_line_comments(&mut self, out: &mut Vec<Entry>, prev_end: &mut usize, before: usize) {
        for c in self.take_before(before) {
            if self.blank_between(*prev_end, c.span.start) {
                out.push(Entry::Blank);
            }
            out.push(Entry::Comment(comment_text(c).to_string()));
            *prev_end = c.span.end;
        }
    }
}

/// The lines of a run of entries at `level`. At the top level of a file a declaration
/// that takes several lines is set apart by one blank line from its neighbours.
pub fn layout(entries: Vec<Entry>, level: usize, top: bool) -> Vec<String> {
    let entries = normalize_blanks(entries, top);
    let pad = indent(level);
    let mut lines = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        match &entries[i] {
            Entry::Blank => {
                lines.push(String::new());
                i += 1;
            }
            Entry::Comment(c) => {
                lines.push(format!("{pad}{c}"));
                i += 1;
            }
            Entry::Row(Row { body: Body::Lines(body), trailing }) => {
                let mut body = body.clone();
                if let (Some(last), Some(c)) = (body.last_mut(), trailing) {
                    push_comment(last, c);
                }
                lines.extend(body);
                i += 1;
            }
            Entry::Row(Row { body: Body::Table(first), .. }) => {
                let kind = first.kind;
                let mut group = Vec::new();
                while let Some(Entry::Row(Row { body: Body::Table(t), trailing })) = entries.get(i) {
                    if t.kind != kind {
                        break;
                    }
                    group.push((t, trailing.as_deref()));
                    i += 1;
                }
                lines.extend(table(&group, level));
            }
        }
    }
    lines
}

fn normalize_blanks(entries: Vec<Entry>, top: bool) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    // Whether the last row was multi-line, and whether a blank line followed it since.
    let mut last_row: Option<bool> = None;
    let mut blank_since_row = false;
    let mut first_after_row: Option<usize> = None;
    for e in entries {
        match e {
            Entry::Blank => {
                if !out.is_empty() && !matches!(out.last(), Some(Entry::Blank)) {
                    out.push(Entry::Blank);
                    blank_since_row = true;
                }
            }
            Entry::Comment(_) => {
                if last_row.is_some() && first_after_row.is_none() {
                    first_after_row = Some(out.len());
                }
                out.push(e);
            }
            Entry::Row(row) => {
                let multi = row.multi_line();
                if top && !blank_since_row && last_row.is_some_and(|m| m || multi) {
                    out.insert(first_after_row.unwrap_or(out.len()), Entry::Blank);
                }
                last_row = Some(multi);
                blank_since_row = false;
                first_after_row = None;
                out.push(Entry::Row(row));
            }
        }
    }
    while matches!(out.last(), Some(Entry::Blank)) {
        out.pop();
    }
    out
}

fn table(group: &[(&TableRow, Option<&str>)], level: usize) -> Vec<String> {
    let Some((first, _)) = group.first() else { return Vec::new() };
    let kind = first.kind;
    let sep = kind.sep();
    let pads = kind.pads();
    let padded = |t: &TableRow, c: usize| pads && (c + 1 < t.cells.len() || t.block.is_some());

    let ncols = group.iter().map(|(t, _)| t.cells.len()).max().unwrap_or(0);
    let mut widths = vec![0; ncols];
    for (t, _) in group {
        for (c, cell) in t.cells.iter().enumerate() {
            if padded(t, c) {
                widths[c] = widths[c].max(width(cell));
            }
        }
    }
    let block_widths = block_columns(group.iter().filter_map(|(t, _)| t.block.as_deref()));

    // First lines, with the column where continuation lines start.
    let mut firsts: Vec<(String, usize)> = Vec::with_capacity(group.len());
    for (t, _) in group {
        let mut line = indent(level);
        let mut wrote = false;
        let mut cont_col = None;
        for (c, cell) in t.cells.iter().enumerate() {
            let pad_it = padded(t, c);
            if pad_it && widths[c] == 0 && cell.is_empty() {
                continue;
            }
            if wrote {
                line.push_str(sep);
            }
            if c == t.cont_cell {
                cont_col = Some(width(&line));
            }
            line.push_str(cell);
            if pad_it {
                line.push_str(&" ".repeat(widths[c].saturating_sub(width(cell))));
            }
            wrote = true;
        }
        if let Some(attrs) = &t.block {
            if wrote {
                line.push_str(sep);
            }
            line.push_str(&one_line_block(attrs, &block_widths));
        }
        let cont_col = cont_col.unwrap_or(level * 2 + 4);
        firsts.push((line.trim_end().to_string(), cont_col));
    }

    // Comments ending a first line line up two columns after the longest such line.
    let first_comment = |t: &TableRow, trailing: Option<&str>| -> Option<String> {
        if t.cont.is_empty() {
            trailing.map(str::to_string)
        } else {
            t.first_comment.clone()
        }
    };
    let comment_col = group
        .iter()
        .zip(&firsts)
        .filter(|((t, tr), _)| first_comment(t, *tr).is_some())
        .map(|(_, (line, _))| width(line) + 2)
        .max()
        .unwrap_or(0);

    let mut lines = Vec::new();
    for ((t, trailing), (line, cont_col)) in group.iter().zip(firsts) {
        let mut line = line;
        if let Some(c) = first_comment(t, *trailing) {
            let gap = comment_col.saturating_sub(width(&line)).max(2);
            line.push_str(&" ".repeat(gap));
            line.push_str(&c);
        }
        lines.push(line);
        let n = t.cont.len();
        for (k, (text, comment)) in t.cont.iter().enumerate() {
            let mut l = " ".repeat(cont_col);
            l.push_str(text);
            let comment = if k + 1 == n && comment.is_none() { trailing.map(str::to_string) } else { comment.clone() };
            if let Some(c) = comment {
                if text.is_empty() {
                    l.push_str(&c);
                } else {
                    push_comment(&mut l, &c);
                }
            }
            lines.push(l);
        }
    }
    lines
}

/// Widths of the leading attribute columns of one-line blocks that hold the same key in
/// every row; past the first column where keys differ nothing is padded.
fn block_columns<'b>(blocks: impl Iterator<Item = &'b [(String, String)]> + Clone) -> Vec<usize> {
    let mut widths = Vec::new();
    for k in 0.. {
        let mut key: Option<&str> = None;
        let mut any = false;
        let mut w = 0;
        for attrs in blocks.clone() {
            let Some((this, text)) = attrs.get(k) else { continue };
            if key.is_some_and(|key| key != this) {
                return widths;
            }
            key = Some(this);
            any = true;
            if k + 1 < attrs.len() {
                w = w.max(width(text));
            }
        }
        if !any {
            break;
        }
        widths.push(w);
    }
    widths
}

pub fn one_line_block(attrs: &[(String, String)], widths: &[usize]) -> String {
    if attrs.is_empty() {
        return "{}".to_string();
    }
    let mut s = String::from("{ ");
    for (k, (_, text)) in attrs.iter().enumerate() {
        if k > 0 {
            s.push_str("  ");
        }
        s.push_str(text);
        if k + 1 < attrs.len() {
            let w = widths.get(k).copied().unwrap_or(0);
            s.push_str(&" ".repeat(w.saturating_sub(width(text))));
        }
    }
    s.push_str(" }");
    s
}
