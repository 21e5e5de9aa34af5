//! Items of a block: attributes, statements (declarations, records, rules, provisioning
//! steps) and, in a broken file, error nodes.

use super::layout::{layout, one_line_block, Body, Kind, TableRow};
use super::printer::{append, comment_text, indent, push_comment, width, Printer, WIDTH};
use super::strings;
use crate::syntax::cst::{Attr, Block, Item, Stmt, Term};

/// Where a block sits: records are only recognised inside a `zone`, rules inside a
/// `firewall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Top,
    Zone,
    Firewall,
    Other,
}

/// A record type as the DNS checks read it (case-insensitive); the formatter writes it in
/// upper case.
pub fn is_record_type(word: &str) -> bool {
    crate::dns::rtype::RType::parse(word).is_some()
}

/// The index of the type word of a record line `NAME [TTL] TYPE …`, read as
/// `dns::lower` reads it: a second word starting with a digit is the TTL.
pub fn record_type_index(terms: &[Term]) -> Option<usize> {
    let word = |i: usize| match terms.get(i) {
        Some(Term::Word(w)) => Some(w.text.as_str()),
        _ => None,
    };
    word(0)?;
    let second = word(1)?;
    if is_record_type(second) {
        return Some(1);
    }
    let ttl_like = second.starts_with(|c: char| c.is_ascii_digit());
    (ttl_like && word(2).is_some_and(is_record_type)).then_some(2)
}

/// One output line of a statement's words: a statement continues on the next line only
/// after a comma, and a comment there ends the line.
#[derive(Default)]
struct TermLine {
    /// Rendered words, each with the index of the term it starts at.
    tokens: Vec<(String, usize)>,
    comment: Option<String>,
}

impl TermLine {
    fn text(&self) -> String {
        self.tokens.iter().map(|t| t.0.as_str()).collect::<Vec<_>>().join(" ")
    }
}

impl<'a> Printer<'a> {
    pub fn item(&mut self, item: &Item, level: usize, ctx: Ctx) -> Body {
        match item {
            Item::Attr(a) => self.attr(a, level),
            Item::Stmt(s) => self.stmt(s, level, ctx),
            Item::Error(span) => {
                let mut lines = vec![indent(level)];
                append(&mut lines, self.slice(span).split('\n').map(str::to_string).collect());
                Body::Lines(lines)
            }
        }
    }

    /// The lines of a block's items, one level deeper than its opener.
    pub fn block_items(&mut self, b: &Block, level: usize, ctx: Ctx) -> Vec<String> {
        let close = b.span.end.saturating_sub(1);
        let entries = self.entries(&b.items, Item::span, |p, it, _| p.item(it, level, ctx), b.span.start + 1, close);
        layout(entries, level, false)
    }

    fn attr(&mut self, a: &Attr, level: usize) -> Body {
        let col = level * 2 + width(&a.key.text) + 3;
        let value = self.expr(&a.value, level, col);
        if value.len() == 1 {
            let v = value.into_iter().next().unwrap_or_default();
            return Body::Table(table_row(Kind::Attr, vec![a.key.text.to_string(), format!("= {v}")]));
        }
        let mut lines = vec![format!("{}{} = ", indent(level), a.key.text)];
        append(&mut lines, value);
        Body::Lines(lines)
    }

    fn stmt(&mut self, s: &Stmt, level: usize, ctx: Ctx) -> Body {
        let head = match s.terms.first() {
            Some(Term::Word(w)) => w.text.as_str(),
            _ => "",
        };
        let inner_ctx = match (ctx, head) {
            (Ctx::Top, "zone") => Ctx::Zone,
            (Ctx::Top, "firewall") => Ctx::Firewall,
            _ => Ctx::Other,
        };
        let rtype = if ctx == Ctx::Zone && s.value.is_none() { record_type_index(&s.terms) } else { None };
        let mut lines = self.term_lines(&s.terms, rtype);
        // After a trailing comma a statement goes on over line breaks, so a statement
        // that ends in one keeps a `;` to end it: otherwise the next line would join it.
        if s.value.is_none() && s.block.is_none() && matches!(s.terms.last(), Some(Term::Comma(_))) {
            if let Some(tok) = lines.last_mut().and_then(|l| l.tokens.last_mut()) {
                tok.0.push(';');
            }
        }
        let spans_lines = lines.iter().any(|l| l.tokens.iter().any(|t| t.0.contains('\n')));
        let cont_col = level * 2 + width(head) + 1;
        let last_width = match lines.len() {
            1 => level * 2 + width(&lines[0].text()),
            _ => cont_col + lines.last().map(|l| width(&l.text())).unwrap_or(0),
        };
        let value = s.value.as_ref().map(|v| self.expr(v, level, last_width + 3));
        let value_width = value.as_ref().map_or(0, |v| v.first().map_or(0, |f| width(f) + 3));
        let simple = lines.len() == 1 && !spans_lines && value.as_ref().is_none_or(|v| v.len() == 1);
        let one_line = match &s.block {
            Some(b) if simple => self
                .one_line_attrs(b)
                .filter(|attrs| last_width + value_width + 1 + width(&one_line_block(attrs, &[])) <= WIDTH),
            _ => None,
        };

        let table_ok = !spans_lines
            && value.as_ref().is_none_or(|v| v.len() == 1)
            && (s.block.is_none() || one_line.is_some())
            && (lines.len() == 1 || (s.block.is_none() && s.value.is_none()));
        if table_ok {
            let value = value.and_then(|v| v.into_iter().next());
            return Body::Table(self.classify(s, lines, rtype, ctx, value, one_line));
        }

        let mut out = vec![indent(level)];
        for (k, l) in lines.iter().enumerate() {
            if k > 0 {
                out.push(" ".repeat(cont_col));
            }
            let text = l.text();
            append(&mut out, text.split('\n').map(str::to_string).collect());
            if let (Some(c), Some(last)) = (&l.comment, out.last_mut()) {
                if text.is_empty() {
                    last.push_str(c);
                } else {
                    push_comment(last, c);
                }
            }
        }
        if let Some(v) = value {
            append(&mut out, vec![" = ".into()]);
            append(&mut out, v);
        }
        if let Some(b) = &s.block {
            match one_line {
                Some(attrs) => append(&mut out, vec![format!(" {}", one_line_block(&attrs, &[]))]),
                None => {
                    append(&mut out, vec![" {".into()]);
                    let first = b.items.first().map(|i| i.span().start).unwrap_or(b.span.end.saturating_sub(1));
                    if let (Some(c), Some(last)) = (self.take_trailing(b.span.start + 1, first), out.last_mut()) {
                        push_comment(last, comment_text(c));
                    }
                    out.extend(self.block_items(b, level + 1, inner_ctx));
                    out.push(format!("{}}}", indent(level)));
                }
            }
        }
        Body::Lines(out)
    }

    /// The attributes of a block that stays on one line: the user wrote it on one line
    /// (or it is empty) and it holds only attributes with one-line values.
    fn one_line_attrs(&self, b: &Block) -> Option<Vec<(String, String)>> {
        if b.items.is_empty() && !self.has_comment_in(&b.span) {
            return Some(Vec::new());
        }
        if self.slice(&b.span).contains('\n') {
            return None;
        }
        b.items
            .iter()
            .map(|it| match it {
                Item::Attr(a) => Some((a.key.text.to_string(), format!("{} = {}", a.key.text, self.inline(&a.value)?))),
                _ => None,
            })
            .collect()
    }

    fn term_lines(&mut self, terms: &[Term], upper: Option<usize>) -> Vec<TermLine> {
        let mut lines = vec![TermLine::default()];
        for (i, t) in terms.iter().enumerate() {
            let Some(line) = lines.last_mut() else { break };
            match t {
                Term::Comma(_) => match line.tokens.last_mut() {
                    Some(tok) => tok.0.push(','),
                    None => line.tokens.push((",".into(), i)),
                },
                Term::Word(w) if upper == Some(i) => line.tokens.push((w.text.as_str().to_ascii_uppercase(), i)),
                Term::Word(w) => line.tokens.push((w.text.to_string(), i)),
                Term::Str(s) => line.tokens.push((strings::render(s, self.text), i)),
            }
            let Some(next) = terms.get(i + 1) else { break };
            if !matches!(t, Term::Comma(_)) {
                continue;
            }
            let (end, next_start) = (t.span().end, next.span().start);
            let trailing = self.take_trailing(end, next_start);
            let own = self.take_before(next_start);
            if trailing.is_some() || !own.is_empty() || self.newline_between(end, next_start) {
                line.comment = trailing.map(|c| comment_text(c).to_string());
                for c in own {
                    lines.push(TermLine { tokens: Vec::new(), comment: Some(comment_text(c).to_string()) });
                }
                lines.push(TermLine::default());
            }
        }
        lines
    }

    fn classify(
        &self,
        s: &Stmt,
        lines: Vec<TermLine>,
        rtype: Option<usize>,
        ctx: Ctx,
        value: Option<String>,
        block: Option<Vec<(String, String)>>,
    ) -> TableRow {
        let mut lines = lines.into_iter();
        let first = lines.next().unwrap_or_default();
        let cont: Vec<(String, Option<String>)> = lines.map(|l| (l.text(), l.comment)).collect();
        let toks: Vec<&str> = first.tokens.iter().map(|t| t.0.as_str()).collect();
        let join = |from: usize, to: usize| toks.get(from..to).map(|t| t.join(" ")).unwrap_or_default();
        let mut row =
            TableRow { kind: Kind::Plain, cells: Vec::new(), block, first_comment: first.comment, cont_cell: 1, cont };

        if let (Some(ti), None) = (rtype, &value) {
            if toks.len() > ti && (row.block.is_none() || row.cont.is_empty()) {
                let ttl = if ti == 2 { toks[1].to_string() } else { String::new() };
                row.kind = Kind::Record;
                row.cells = vec![toks[0].to_string(), ttl, toks[ti].to_string(), join(ti + 1, toks.len())];
                row.cont_cell = 3;
                return row;
            }
        }
        let head_is = |w: &str| matches!(s.terms.first(), Some(Term::Word(h)) if h.text == w);
        if ctx == Ctx::Firewall && head_is("allow") && value.is_none() && row.block.is_none() && row.cont.is_empty() {
            let dir = s
                .terms
                .iter()
                .enumerate()
                .skip(2)
                .find(|(_, t)| matches!(t, Term::Word(w) if w.text == "from" || w.text == "to"));
            let k = dir.and_then(|(j, _)| first.tokens.iter().position(|t| t.1 == j));
            if let (Some(k), Some(Term::Word(_))) = (k.filter(|&k| k >= 2), s.terms.get(1)) {
                row.kind = Kind::Rule;
                row.cells = vec![toks[0].to_string(), toks[1].to_string(), join(2, k), join(k, toks.len())];
                return row;
            }
        }
        row.cells = toks.iter().map(|t| t.to_string()).collect();
        match value {
            Some(v) => {
                if let Some(last) = row.cells.last_mut() {
                    last.push_str(" = ");
                    last.push_str(&v);
                }
            }
            None if row.block.is_some() && row.cont.is_empty() => row.kind = Kind::Cells(row.cells.len()),
            None => {}
        }
        row
    }
}

fn table_row(kind: Kind, cells: Vec<String>) -> TableRow {
    TableRow { kind, cells, block: None, first_comment: None, cont_cell: 1, cont: Vec::new() }
}
