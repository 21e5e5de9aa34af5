//! The concrete syntax tree: a small, uniform shape shared by every declaration.
//!
//! drove's surface is line-oriented like a zone file and block-structured like HCL, so the
//! parser only knows three kinds of item (see `docs/language.md`, "Grammar"):
//! an attribute `key = value`, a statement `word term* [= value] [{ block }]` and an error.
//! What a statement *means* (a `network`, a record, a firewall rule) is decided by
//! `lower`, which keeps the parser small, makes recovery simple, and lets the formatter
//! and the tree-sitter grammar share one shape.

use crate::source::{FileId, Span};
use compact_str::CompactString;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub file: FileId,
    pub items: Vec<Item>,
    /// Every `#` comment with its span; the formatter puts them back by position.
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    /// The text including the leading `#`, without the line break.
    pub text: String,
}

/// Statements are the bulk of a large file (a zone's record lines), so the item is as
/// small as a statement: an attribute, larger and fewer, is boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Attr(Box<Attr>),
    Stmt(Stmt),
    /// Input the parser skipped while recovering; a diagnostic was already reported.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Attr(a) => a.span.clone(),
            Item::Stmt(s) => s.span.clone(),
            Item::Error(s) => s.clone(),
        }
    }
}

/// `key = value`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub key: Word,
    pub value: Expr,
    pub span: Span,
}

/// `word term* [= value] [{ block }]`, ended by a line break, `;`, `}` or its block.
/// Examples: `network main { … }`, `let office = 203.0.113.0/24`,
/// `allow tcp 80, 443 from 0.0.0.0/0`, `www 300 CNAME acme.example.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    /// Never empty; the first term is always a word (the statement's keyword or name).
    pub terms: Vec<Term>,
    /// Boxed, like `block`: most statements (record lines, rules) have neither, and
    /// inline they were two thirds of a statement's size.
    pub value: Option<Box<Expr>>,
    pub block: Option<Box<Block>>,
    pub span: Span,
}

impl Stmt {
    /// The leading word: a declaration keyword, a rule verb or a record owner name.
    pub fn head(&self) -> &Word {
        match &self.terms[0] {
            Term::Word(w) => w,
            _ => unreachable!("the parser only builds statements that start with a word"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(Word),
    /// Boxed: strings are the rarer term, and a term is then 40 bytes instead of 48.
    Str(Box<Str>),
    /// A `,` separating list members inside a statement (`allow tcp 80, 443 …`).
    Comma(Span),
}

impl Term {
    pub fn span(&self) -> Span {
        match self {
            Term::Word(w) => w.span.clone(),
            Term::Str(s) => s.span.clone(),
            Term::Comma(s) => s.clone(),
        }
    }
}

/// `{ item* }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub items: Vec<Item>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

/// A run of non-blank characters that is not punctuation: names, numbers, addresses,
/// CIDRs, DNS names, durations, dotted references. Its meaning is typed later.
///
/// The text is a `CompactString`: words up to 24 bytes (nearly all of them) are held
/// inline, so a large zone's hundreds of thousands of words are not each a heap
/// allocation to make and to free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: CompactString,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// The value with escapes resolved.
    pub value: String,
    /// Whether it was written `"""…"""` (kept by the formatter).
    pub triple: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Word(Word),
    Str(Str),
    /// `[a, b, c]`
    List(List),
    /// `{ key = value … }`
    Map(Map),
    /// `name(arg, …)`, e.g. `s3("bucket", "key")`, `image("base-*")`, `secret("db")`.
    Call(Call),
    /// A value that failed to parse; a diagnostic was already reported.
    Error(Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Word(w) => w.span.clone(),
            Expr::Str(s) => s.span.clone(),
            Expr::List(l) => l.span.clone(),
            Expr::Map(m) => m.span.clone(),
            Expr::Call(c) => c.span.clone(),
            Expr::Error(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub items: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    pub entries: Vec<MapEntry>,
    pub span: Span,
}

/// A map key may be a word or a string (`{ "Cost Center" = "42" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    pub key: Term,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: Word,
    pub args: Vec<Expr>,
    pub span: Span,
}
