//! The state shared by every part of the formatter: the source text (for blank lines and
//! verbatim long strings) and a cursor over the comments, which are handed out strictly in
//! source order so each one is printed exactly once.

use crate::source::Span;
use crate::syntax::cst::Comment;

/// Lines longer than this are broken where the style allows it.
pub const WIDTH: usize = 100;

pub struct Printer<'a> {
    pub text: &'a str,
    comments: Vec<&'a Comment>,
    next: usize,
}

impl<'a> Printer<'a> {
    pub fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        let mut comments: Vec<&Comment> = comments.iter().collect();
        comments.sort_by_key(|c| c.span.start);
        Printer { text, comments, next: 0 }
    }

    fn peek(&self) -> Option<&'a Comment> {
        self.comments.get(self.next).copied()
    }

    /// Every not yet printed comment that starts before `pos`, in order.
    pub fn take_before(&mut self, pos: usize) -> Vec<&'a Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c.span.start >= pos {
                break;
            }
            out.push(c);
            self.next += 1;
        }
        out
    }

    /// The next comment if it starts before `limit` on the same line as `from`: the
    /// comment that trails the code ending at `from`.
    pub fn take_trailing(&mut self, from: usize, limit: usize) -> Option<&'a Comment> {
        let c = self.peek()?;
        if c.span.start >= from && c.span.start < limit && !self.newline_between(from, c.span.start) {
            self.next += 1;
            return Some(c);
        }
        None
    }

    /// Whether an unprinted comment lies inside `span`.
    pub fn has_comment_in(&self, span: &Span) -> bool {
        self.comments[self.next.min(self.comments.len())..]
            .iter()
            .any(|c| c.span.start >= span.start && c.span.start < span.end)
    }

    pub fn newline_between(&self, from: usize, to: usize) -> bool {
        self.text.get(from..to).is_some_and(|s| s.contains('\n'))
    }

    /// The user left an empty line between `from` and `to`.
    pub fn blank_between(&self, from: usize, to: usize) -> bool {
        self.text.get(from..to).is_some_and(|s| s.matches('\n').count() >= 2)
    }

    pub fn slice(&self, span: &Span) -> &'a str {
        self.text.get(span.clone()).unwrap_or_default()
    }
}

/// A comment as printed: without trailing blanks (a `\r` of a CRLF file included).
pub fn comment_text(c: &Comment) -> &str {
    c.text.trim_end()
}

pub fn indent(level: usize) -> String {
    "  ".repeat(level)
}

pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// Appends a rendering whose first line continues the current line.
pub fn append(lines: &mut Vec<String>, more: Vec<String>) {
    let mut more = more.into_iter();
    if let Some(first) = more.next() {
        match lines.last_mut() {
            Some(last) => last.push_str(&first),
            None => lines.push(first),
        }
    }
    lines.extend(more);
}

pub fn push_comment(line: &mut String, comment: &str) {
    line.push_str("  ");
    line.push_str(comment);
}
