//! The pass between lexer and parser. It takes out what the grammar should never see
//! (comments, bad bytes) and guarantees balanced, shallow delimiters, so the chumsky
//! grammar only deals with local mistakes and every recovery stays inside one line or
//! one block.

use super::cst::Comment;
use super::lexer::Token;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use chumsky::span::SimpleSpan;

/// Deeper nesting than any real stack needs; past it the subtree is dropped with one
/// error instead of risking the stack or quadratic recovery.
pub const MAX_DEPTH: usize = 48;

pub struct Prepared<'s> {
    /// Spans are chumsky's, so this vector is the parser's input as is (one copy of the
    /// tokens in memory, not three: a 50,000-record zone has 270,000 of them).
    pub tokens: Vec<(Token<'s>, SimpleSpan)>,
    pub comments: Vec<Comment>,
}

fn closer_for(open: &Token) -> Token<'static> {
    match open {
        Token::LBrace => Token::RBrace,
        Token::LBracket => Token::RBracket,
        _ => Token::RParen,
    }
}

fn is_opener(t: &Token) -> bool {
    matches!(t, Token::LBrace | Token::LBracket | Token::LParen)
}

fn is_closer(t: &Token) -> bool {
    matches!(t, Token::RBrace | Token::RBracket | Token::RParen)
}

pub fn prepare<'s>(
    file: FileId,
    text: &'s str,
    raw: impl Iterator<Item = (Token<'s>, Span)>,
    diags: &mut Vec<Diagnostic>,
) -> Prepared<'s> {
    let mut tokens: Vec<(Token<'s>, SimpleSpan)> = Vec::with_capacity(text.len() / 6);
    let mut comments = Vec::new();
    // Open delimiters with their index in `tokens`.
    let mut open: Vec<(Token<'s>, Span, usize)> = Vec::new();
    // While Some(depth), tokens are dropped until the delimiter at that depth closes.
    let mut dropping: Option<usize> = None;
    let mut pending_bad: Option<Span> = None;

    let flush_bad = |pending: &mut Option<Span>, diags: &mut Vec<Diagnostic>| {
        if let Some(span) = pending.take() {
            let shown = text.get(span.clone()).unwrap_or("").chars().take(20).collect::<String>();
            diags.push(
                Diagnostic::new("E0001", file, span, format!("unexpected character `{}`", shown.escape_debug()))
                    .with_label("not part of any token")
                    .with_help(
                        "names, numbers and addresses use letters, digits and `_ - . * @ / : % +`; text goes in quotes",
                    ),
            );
        }
    };

    for (tok, span) in raw {
        if let Token::Error = tok {
            pending_bad = Some(match pending_bad.take() {
                Some(prev) if prev.end == span.start => prev.start..span.end,
                Some(prev) => {
                    let mut p = Some(prev);
                    flush_bad(&mut p, diags);
                    span
                }
                None => span,
            });
            continue;
        }
        if pending_bad.is_some() {
            flush_bad(&mut pending_bad, diags);
        }

        if let Some(depth) = dropping {
            if is_opener(&tok) {
                open.push((tok, span, usize::MAX));
            } else if is_closer(&tok) && !open.is_empty() {
                open.pop();
                if open.len() < depth {
                    dropping = None;
                    // The closer of the dropped subtree is kept so the parent stays balanced.
                    tokens.push((tok, (span).into()));
                }
            }
            continue;
        }

        match tok {
            Token::Comment(c) => comments.push(Comment { span, text: c.to_string() }),
            Token::UnterminatedStr(s) => {
                diags.push(
                    Diagnostic::new("E0002", file, span.clone(), "unterminated string")
                        .with_label("this string has no closing `\"` on its line")
                        .with_help("close it with `\"`, or use `\"\"\"…\"\"\"` for text over several lines"),
                );
                check_escapes(file, &span, &s[1..], diags);
                tokens.push((Token::Str(s), (span).into()));
            }
            Token::Str(s) => {
                check_escapes(file, &span, &s[1..s.len() - 1], diags);
                tokens.push((Token::Str(s), (span).into()));
            }
            t if is_opener(&t) => {
                if open.len() >= MAX_DEPTH {
                    diags.push(
                        Diagnostic::new("E0005", file, span.clone(), format!("nesting deeper than {MAX_DEPTH} levels"))
                            .with_label("this opens one level too many; its contents are ignored")
                            .with_help("drove declarations nest a few levels at most: flatten this"),
                    );
                    // Keep the opener itself so its closer (kept above) has a partner.
                    open.push((t.clone(), span.clone(), tokens.len()));
                    tokens.push((t, span.into()));
                    dropping = Some(open.len());
                    continue;
                }
                open.push((t.clone(), span.clone(), tokens.len()));
                tokens.push((t, (span).into()));
            }
            t if is_closer(&t) => {
                let matches_top = open.last().is_some_and(|(o, _, _)| closer_for(o) == t);
                let in_stack = open.iter().any(|(o, _, _)| closer_for(o) == t);
                if matches_top {
                    open.pop();
                    tokens.push((t, (span).into()));
                } else if in_stack {
                    // Close the inner delimiters that were never closed, then this one.
                    while let Some((o, ospan, _)) = open.pop() {
                        let c = closer_for(&o);
                        if c == t {
                            tokens.push((t, (span).into()));
                            break;
                        }
                        diags.push(unclosed(file, &o, ospan));
                        tokens.push((c, (span.start..span.start).into()));
                    }
                } else {
                    diags.push(
                        Diagnostic::new("E0007", file, span, format!("unexpected {t}"))
                            .with_label("nothing open here to close")
                            .with_help("remove it, or add the opening delimiter it belongs to"),
                    );
                }
            }
            t => tokens.push((t, (span).into())),
        }
    }
    flush_bad(&mut pending_bad, diags);
    // A `[` or `(` left open most likely ends with its line, so it is closed there and
    // the following lines parse normally; a `{` runs to the end of the file, and then so
    // must everything around it, to keep the stream balanced.
    let end = text.len();
    let mut at_eof = false;
    while let Some((o, ospan, index)) = open.pop() {
        if index == usize::MAX {
            continue; // inside a subtree dropped for depth: already reported
        }
        diags.push(unclosed(file, &o, ospan));
        let closer = closer_for(&o);
        at_eof |= o == Token::LBrace;
        let line_end = tokens.iter().skip(index).position(|(t, _)| *t == Token::Newline).map(|p| p + index);
        match line_end {
            Some(i) if !at_eof => {
                let at = tokens[i].1.start;
                tokens.insert(i, (closer, (at..at).into()));
            }
            _ => {
                at_eof = true;
                tokens.push((closer, (end..end).into()));
            }
        }
    }
    Prepared { tokens, comments }
}

/// The lexer's tokens as `prepare` would hand them on when it has nothing to report or
/// repair: comments set aside, strings properly escaped, delimiters balanced and at most
/// `MAX_DEPTH` deep. Read one at a time, so a clean file's tokens are never collected
/// (a 50,000-record zone has 280,000 of them). At the first token that `prepare` would
/// report, the stream ends with `failed` set, and the caller starts over with `prepare`.
pub struct Clean<'s, L> {
    raw: L,
    pub comments: Vec<Comment>,
    /// The closers of the open delimiters, innermost last.
    open: Vec<Token<'static>>,
    pub failed: bool,
    source: std::marker::PhantomData<&'s str>,
}

impl<'s, L: Iterator<Item = (Token<'s>, Span)>> Clean<'s, L> {
    pub fn new(raw: L) -> Self {
        Clean { raw, comments: Vec::new(), open: Vec::new(), failed: false, source: std::marker::PhantomData }
    }

    fn fail(&mut self) -> Option<(Token<'s>, SimpleSpan)> {
        self.failed = true;
        None
    }
}

impl<'s, L: Iterator<Item = (Token<'s>, Span)>> Iterator for Clean<'s, L> {
    type Item = (Token<'s>, SimpleSpan);

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let Some((tok, span)) = self.raw.next() else {
                // Unclosed delimiters are reported (and closed) by `prepare`.
                return if self.open.is_empty() { None } else { self.fail() };
            };
            match &tok {
                // Most tokens: nothing to look at.
                Token::Word(_) | Token::Newline | Token::Comma | Token::Eq | Token::Semi | Token::TripleStr(_) => {}
                Token::Comment(c) => {
                    self.comments.push(Comment { span, text: c.to_string() });
                    continue;
                }
                Token::Error | Token::UnterminatedStr(_) => return self.fail(),
                Token::Str(s) => {
                    if s.as_bytes().contains(&b'\\') {
                        let mut problems = Vec::new();
                        check_escapes(0, &span, &s[1..s.len() - 1], &mut problems);
                        if !problems.is_empty() {
                            return self.fail();
                        }
                    }
                }
                Token::LBrace | Token::LBracket | Token::LParen => {
                    if self.open.len() >= MAX_DEPTH {
                        return self.fail();
                    }
                    self.open.push(closer_for(&tok));
                }
                Token::RBrace | Token::RBracket | Token::RParen => {
                    if self.open.last() != Some(&tok) {
                        return self.fail();
                    }
                    self.open.pop();
                }
            }
            return Some((tok, span.into()));
        }
    }
}

fn unclosed(file: FileId, open: &Token, span: Span) -> Diagnostic {
    let closer = closer_for(open);
    Diagnostic::new("E0004", file, span, format!("unclosed {open}"))
        .with_label(format!("this {open} is never closed"))
        .with_help(format!("add the matching {closer}"))
}

fn check_escapes(file: FileId, span: &Span, body: &str, diags: &mut Vec<Diagnostic>) {
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        let start = span.start + 1 + i;
        match chars.next() {
            Some((_, 'n' | 't' | 'r' | '"' | '\\')) => {}
            Some((_, 'u')) => {
                let rest = &body[i + 2..];
                let ok = rest.starts_with('{')
                    && rest.find('}').is_some_and(|close| {
                        u32::from_str_radix(&rest[1..close], 16).ok().and_then(char::from_u32).is_some()
                    });
                if !ok {
                    diags.push(
                        Diagnostic::new("E0006", file, start..start + 2, "invalid unicode escape")
                            .with_label("expected `\\u{HEX}` naming a Unicode scalar value"),
                    );
                }
            }
            Some((j, other)) => diags.push(
                Diagnostic::new(
                    "E0006",
                    file,
                    start..span.start + 1 + j + other.len_utf8(),
                    format!("unknown escape `\\{other}`"),
                )
                .with_label("not an escape drove knows")
                .with_help("escapes are \\\" \\\\ \\n \\t \\r and \\u{HEX}; write `\\\\` for a backslash"),
            ),
            None => {}
        }
    }
}

/// The value of a `"…"` string's body with escapes resolved. Invalid escapes were
/// reported by `check_escapes`; here they are kept literally.
pub fn unescape(body: &str) -> String {
    if !body.as_bytes().contains(&b'\\') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') if chars.peek() == Some(&'{') => {
                let hex: String = chars.clone().skip(1).take_while(|&c| c != '}').collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..hex.chars().count() + 2 {
                            chars.next();
                        }
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The content of a `"""…"""` string: verbatim, minus a line break right after the
/// opening quotes, so a block of text can start on its own line.
pub fn long_string_value(raw: &str) -> String {
    let inner = &raw[3..raw.len() - 3];
    let inner = inner.strip_prefix("\r\n").or_else(|| inner.strip_prefix('\n')).unwrap_or(inner);
    inner.to_string()
}
