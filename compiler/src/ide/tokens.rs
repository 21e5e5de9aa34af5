//! Semantic tokens: what each word of a file is, for editor colouring. Declared and used
//! names come from the index (so a subnet is coloured as a subnet wherever it is named);
//! the rest from the word's place in the tree.

use super::index::{Index, SymbolKind};
use crate::dns::rtype::RType;
use crate::source::{FileId, Span};
use crate::syntax::cst::{self, Expr, Item, Term};
use crate::syntax::lexer::{lex, Token as Lexeme};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Keyword,
    Comment,
    String,
    Number,
    Property,
    /// A record type (`A`, `MX`).
    Type,
    /// A call such as `image(…)`.
    Function,
    Symbol(SymbolKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// The word declares the name (rather than using it).
    pub declaration: bool,
}

const WORDS: &[&str] = &[
    "in",
    "from",
    "to",
    "allow",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
    "all",
    "alias",
    "owner",
    "mode",
    "groups",
    "shell",
    "subnet",
    "provision",
    "access",
    "read",
    "write",
    "listen",
    "forward",
    "redirect",
    "target",
    "package",
    "user",
    "file",
    "run",
    "service",
    "true",
    "false",
];
use crate::lower::DECLARATIONS;

fn walk(items: &[Item], depth: usize, roles: &mut HashMap<usize, TokenKind>) {
    for item in items {
        match item {
            Item::Attr(a) => {
                roles.insert(a.key.span.start, TokenKind::Property);
                expr(&a.value, roles);
            }
            Item::Stmt(s) => {
                for (i, t) in s.terms.iter().enumerate() {
                    if let Term::Word(w) = t {
                        // A zone's `ignore "PATTERN" …`; a record named `ignore` has no string next.
                        let ignore_rule = i == 0 && w.text == "ignore" && matches!(s.terms.get(1), Some(Term::Str(_)));
                        let kw = (i == 0 && depth == 0 && DECLARATIONS.contains(&w.text.as_str()))
                            || ignore_rule
                            || WORDS.contains(&w.text.as_str());
                        if kw {
                            roles.insert(w.span.start, TokenKind::Keyword);
                        } else if i > 0 && RType::ALL.iter().any(|t| t.as_str() == w.text) {
                            roles.insert(w.span.start, TokenKind::Type);
                        }
                    }
                }
                if let Some(v) = &s.value {
                    expr(v, roles);
                }
                if let Some(b) = &s.block {
                    // An environment's declarations are top-level ones.
                    let environment = depth == 0 && s.head().text == "environment";
                    walk(&b.items, if environment { 0 } else { depth + 1 }, roles);
                }
            }
            Item::Error(_) => {}
        }
    }
}

fn expr(e: &Expr, roles: &mut HashMap<usize, TokenKind>) {
    match e {
        Expr::Call(c) => {
            roles.insert(c.name.span.start, TokenKind::Function);
            c.args.iter().for_each(|a| expr(a, roles));
        }
        Expr::List(l) => l.items.iter().for_each(|a| expr(a, roles)),
        Expr::Map(m) => {
            for entry in &m.entries {
                roles.insert(entry.key.span().start, TokenKind::Property);
                expr(&entry.value, roles);
            }
        }
        Expr::Word(w) if matches!(w.text.as_str(), "true" | "false") => {
            roles.insert(w.span.start, TokenKind::Keyword);
        }
        _ => {}
    }
}

/// Tokens of one file in text order, never overlapping. Strings spanning lines are one
/// token here; the protocol layer splits them per line.
pub fn semantic_tokens(index: &Index, tree: &cst::File, file: FileId, text: &str) -> Vec<Token> {
    let mut roles = HashMap::new();
    walk(&tree.items, 0, &mut roles);
    let mut names: Vec<(Span, SymbolKind, bool)> = Vec::new();
    for s in index.symbols.iter().filter(|s| s.file == file) {
        names.push((s.name_span.clone(), s.kind, true));
    }
    for r in index.references.iter().filter(|r| r.file == file) {
        if let Some(s) = index.symbol(r.target) {
            names.push((r.span.clone(), s.kind, false));
        }
    }
    names.sort_by_key(|n| n.0.start);

    let mut out = Vec::new();
    for (lexeme, span) in lex(text) {
        let kind = match lexeme {
            Lexeme::Comment(_) => TokenKind::Comment,
            Lexeme::Str(_) | Lexeme::TripleStr(_) | Lexeme::UnterminatedStr(_) => TokenKind::String,
            Lexeme::Word(w) => {
                let inside = names.iter().filter(|n| span.start <= n.0.start && n.0.end <= span.end);
                let mut any = false;
                for (s, k, decl) in inside {
                    out.push(Token { span: s.clone(), kind: TokenKind::Symbol(*k), declaration: *decl });
                    any = true;
                }
                if any {
                    continue;
                }
                match roles.get(&span.start) {
                    Some(k) => *k,
                    None if w.starts_with(|c: char| c.is_ascii_digit()) => TokenKind::Number,
                    None => continue,
                }
            }
            _ => continue,
        };
        out.push(Token { span, kind, declaration: false });
    }
    out
}
