//! Values: words, strings, lists, maps and calls. A rendering is a list of lines whose
//! first one continues the line the value starts on.

use super::layout::{layout, Body, Kind, TableRow};
use super::printer::{append, comment_text, indent, push_comment, width, Printer, WIDTH};
use super::strings;
use crate::syntax::cst::{Expr, MapEntry, Term};

impl<'a> Printer<'a> {
    /// The one-line form of a value, or `None` when it must take several lines: it holds
    /// a comment, a long string with line breaks, or a map the user wrote over several
    /// lines.
    pub fn inline(&self, e: &Expr) -> Option<String> {
        if self.has_comment_in(&e.span()) {
            return None;
        }
        self.inline_unchecked(e)
    }

    fn inline_unchecked(&self, e: &Expr) -> Option<String> {
        let s = match e {
            Expr::Word(w) => w.text.to_string(),
            Expr::Str(s) => strings::render(s, self.text),
            Expr::Error(span) => self.slice(span).to_string(),
            Expr::List(l) => {
                let items: Option<Vec<String>> = l.items.iter().map(|i| self.inline_unchecked(i)).collect();
                format!("[{}]", items?.join(", "))
            }
            Expr::Map(m) => {
                if self.slice(&m.span).contains('\n') {
                    return None;
                }
                if m.entries.is_empty() {
                    return Some("{}".into());
                }
                let entries: Option<Vec<String>> = m
                    .entries
                    .iter()
                    .map(|en| Some(format!("{} = {}", self.key(&en.key), self.inline_unchecked(&en.value)?)))
                    .collect();
                format!("{{ {} }}", entries?.join(", "))
            }
            Expr::Call(c) => {
                let args: Option<Vec<String>> = c.args.iter().map(|a| self.inline_unchecked(a)).collect();
                format!("{}({})", c.name.text, args?.join(", "))
            }
        };
        (!s.contains('\n')).then_some(s)
    }

    fn key(&self, t: &Term) -> String {
        match t {
            Term::Word(w) => w.text.to_string(),
            Term::Str(s) => strings::render(s, self.text),
            Term::Comma(span) => self.slice(span).to_string(),
        }
    }

    /// Renders a value that starts at column `col` of a line indented `level` deep. Lists,
    /// maps and calls stay on one line when they can and fit; otherwise they hold one
    /// member per line.
    pub fn expr(&mut self, e: &Expr, level: usize, col: usize) -> Vec<String> {
        match e {
            Expr::Word(_) | Expr::Str(_) | Expr::Error(_) => {
                let text = match e {
                    Expr::Word(w) => w.text.to_string(),
                    Expr::Str(s) => strings::render(s, self.text),
                    _ => self.slice(&e.span()).to_string(),
                };
                text.split('\n').map(str::to_string).collect()
            }
            Expr::List(l) => {
                if let Some(s) = self.inline(e).filter(|s| col + width(s) <= WIDTH) {
                    return vec![s];
                }
                self.members("[", "]", &l.items, l.span.clone(), level, |p, item, _| p.member(item, level + 1, ","))
            }
            Expr::Map(m) => {
                if let Some(s) = self.inline(e).filter(|s| col + width(s) <= WIDTH) {
                    return vec![s];
                }
                self.members("{", "}", &m.entries, m.span.clone(), level, |p, en, _| p.map_entry(en, level + 1))
            }
            Expr::Call(c) => {
                if let Some(s) = self.inline(e).filter(|s| col + width(s) <= WIDTH) {
                    return vec![s];
                }
                // A call without comments keeps its arguments on its line even when a
                // long string or an open map makes it span lines.
                if !self.has_comment_in(&c.span) && c.args.len() <= 1 {
                    let mut lines = vec![format!("{}(", c.name.text)];
                    if let Some(arg) = c.args.first() {
                        let at = col + width(&c.name.text) + 1;
                        append(&mut lines, self.expr(arg, level, at));
                    }
                    append(&mut lines, vec![")".into()]);
                    return lines;
                }
                let open = format!("{}(", c.name.text);
                self.members(&open, ")", &c.args, c.span.clone(), level, |p, arg, _| p.member(arg, level + 1, ","))
            }
        }
    }

    /// `open`, one member per line one level deeper, then `close` back at `level`.
    fn members<T>(
        &mut self,
        open: &str,
        close: &str,
        children: &[T],
        span: crate::source::Span,
        level: usize,
        render: impl FnMut(&mut Self, &T, bool) -> Body,
    ) -> Vec<String>
    where
        T: HasSpan,
    {
        let open_end = span.start + self.opener_len(&span);
        let close_start = span.end.saturating_sub(1);
        let mut first = open.to_string();
        let first_child = children.first().map(|c| c.span_of().start).unwrap_or(close_start);
        if let Some(c) = self.take_trailing(open_end, first_child) {
            push_comment(&mut first, comment_text(c));
        }
        let entries = self.entries(children, |c| c.span_of(), render, open_end, close_start);
        let mut lines = vec![first];
        lines.extend(layout(entries, level + 1, false));
        lines.push(format!("{}{close}", indent(level)));
        lines
    }

    /// Where the opening delimiter ends: a call's span starts with its name.
    fn opener_len(&self, span: &crate::source::Span) -> usize {
        self.slice(span).find(['(', '[', '{']).map(|i| i + 1).unwrap_or(1)
    }

    /// A list member or call argument on its own line, followed by `sep`.
    fn member(&mut self, e: &Expr, level: usize, sep: &str) -> Body {
        let mut lines = vec![indent(level)];
        append(&mut lines, self.expr(e, level, level * 2));
        append(&mut lines, vec![sep.to_string()]);
        if lines.len() == 1 {
            let cell = lines.pop().unwrap_or_default().trim_start().to_string();
            return Body::Table(TableRow {
                kind: Kind::Plain,
                cells: vec![cell],
                block: None,
                first_comment: None,
                cont_cell: 0,
                cont: Vec::new(),
            });
        }
        Body::Lines(lines)
    }

    fn map_entry(&mut self, en: &MapEntry, level: usize) -> Body {
        let key = self.key(&en.key);
        let col = level * 2 + width(&key) + 3;
        let value = self.expr(&en.value, level, col);
        if value.len() == 1 {
            let v = value.into_iter().next().unwrap_or_default();
            return Body::Table(TableRow {
                kind: Kind::Attr,
                cells: vec![key, format!("= {v}")],
                block: None,
                first_comment: None,
                cont_cell: 0,
                cont: Vec::new(),
            });
        }
        let mut lines = vec![format!("{}{key} = ", indent(level))];
        append(&mut lines, value);
        Body::Lines(lines)
    }
}

pub trait HasSpan {
    fn span_of(&self) -> crate::source::Span;
}

impl HasSpan for Expr {
    fn span_of(&self) -> crate::source::Span {
        self.span()
    }
}

impl HasSpan for MapEntry {
    fn span_of(&self) -> crate::source::Span {
        self.span.clone()
    }
}
