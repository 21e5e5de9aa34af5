//! The grammar of `parser.rs` by hand, for input without syntax errors: one pass over
//! the prepared tokens, no backtracking, no error bookkeeping. It gives up (`None`) at the
//! first token the grammar does not expect there, and `parse` then runs the chumsky
//! grammar, which reports and recovers; so every error message still comes from one place.
//!
//! Why a second reading of the grammar: chumsky's combinators cost about 3,000
//! instructions per record line, over a third of `drove check` on a large zone, where
//! this loop needs a few hundred. `parser::tests` holds both to the same trees on every
//! fixture and on random input.

use super::cst::*;
use super::lexer::Token;
use super::parser::str_node;
use crate::source::Span;
use chumsky::span::SimpleSpan;

/// The items of a whole file, or `None` when the tokens hold a syntax error. The tokens
/// are read one at a time, so they need not be collected first (see `parser::parse`).
pub fn parse_items<'s>(tokens: impl Iterator<Item = (Token<'s>, SimpleSpan)>) -> Option<Vec<Item>> {
    let mut tokens = tokens;
    let next = tokens.next();
    let mut p = Fast { tokens, next, last_end: 0, terms: Vec::new() };
    let items = p.items()?;
    p.next.is_none().then_some(items)
}

struct Fast<'s, I> {
    tokens: I,
    /// The token `peek` shows: the only lookahead the grammar needs.
    next: Option<(Token<'s>, SimpleSpan)>,
    /// End of the last token taken: where a node's span ends, as chumsky's spans do.
    last_end: usize,
    /// Scratch for the terms of the statement being read: each statement takes them in
    /// one allocation of the exact size, instead of growing its own vector by doubling
    /// and shrinking it after (tens of thousands of statements in a large zone).
    terms: Vec<Term>,
}

impl<'s, I: Iterator<Item = (Token<'s>, SimpleSpan)>> Fast<'s, I> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.next.as_ref().map(|(t, _)| t)
    }

    /// Takes the next token; returns its span (an empty one at the end, where the
    /// callers have already peeked).
    fn bump(&mut self) -> Span {
        let span = match self.next.take() {
            Some((_, span)) => span.into_range(),
            None => self.last_end..self.last_end,
        };
        self.next = self.tokens.next();
        self.last_end = span.end;
        span
    }

    fn eat(&mut self, t: Token<'static>) -> Option<Span> {
        (self.peek() == Some(&t)).then(|| self.bump())
    }

    fn newlines(&mut self) {
        while self.eat(Token::Newline).is_some() {}
    }

    #[inline]
    fn word(&mut self) -> Option<Word> {
        let Some(Token::Word(w)) = self.peek() else { return None };
        let text = (*w).into();
        Some(Word { text, span: self.bump() })
    }

    fn string(&mut self) -> Option<Str> {
        let (tok, span) = self.next.as_ref()?;
        let s = str_node(tok, span.into_range())?;
        self.bump();
        Some(s)
    }

    /// `item*`, separators left out, up to a token that starts no item.
    fn items(&mut self) -> Option<Vec<Item>> {
        // Grown in place and trimmed: a large block's vector is soon big enough for the
        // allocator to map it on its own, and then growing and trimming it move or drop
        // pages instead of copying them (collecting through a scratch stack wrote every
        // item twice, and touched that much more memory).
        let mut items = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Newline | Token::Semi) => {
                    self.bump();
                }
                Some(Token::Word(_)) => items.push(self.statement()?),
                _ => break,
            }
        }
        items.shrink_to_fit();
        Some(items)
    }

    /// `word term* [= value] [{ block }]`, or an attribute when only `= value` follows.
    fn statement(&mut self) -> Option<Item> {
        let head = self.word()?;
        let start = head.span.start;
        // Statements do not nest inside terms, so the scratch stack holds only this one's.
        self.terms.clear();
        self.terms.push(Term::Word(head));
        loop {
            let term = match self.peek() {
                Some(Token::Word(_)) => Term::Word(self.word()?),
                Some(Token::Str(_) | Token::TripleStr(_)) => Term::Str(Box::new(self.string()?)),
                Some(Token::Comma) => {
                    let comma = Term::Comma(self.bump());
                    self.newlines();
                    comma
                }
                _ => break,
            };
            self.terms.push(term);
        }
        let mut terms: Vec<Term> = self.terms.drain(..).collect();
        let value = match self.eat(Token::Eq) {
            Some(_) => Some(self.value()?),
            None => None,
        };
        let block = match self.peek() {
            Some(Token::LBrace) => Some(self.block()?),
            _ => None,
        };
        let span = start..self.last_end;
        if terms.len() == 1 && block.is_none() {
            if let Some(value) = value {
                let Some(Term::Word(key)) = terms.pop() else { return None };
                return Some(Item::Attr(Box::new(Attr { key, value, span })));
            }
        }
        Some(Item::Stmt(Stmt { terms, value: value.map(Box::new), block: block.map(Box::new), span }))
    }

    fn block(&mut self) -> Option<Block> {
        let open = self.eat(Token::LBrace)?;
        let items = self.items()?;
        self.eat(Token::RBrace)?;
        Some(Block { items, span: open.start..self.last_end })
    }

    fn value(&mut self) -> Option<Expr> {
        match self.peek()? {
            Token::Word(_) => {
                let name = self.word()?;
                if self.peek() != Some(&Token::LParen) {
                    return Some(Expr::Word(name));
                }
                let start = name.span.start;
                let args = self.values(Token::LParen, Token::RParen)?.1;
                Some(Expr::Call(Call { name, args, span: start..self.last_end }))
            }
            Token::Str(_) | Token::TripleStr(_) => self.string().map(Expr::Str),
            Token::LBracket => {
                let (start, items) = self.values(Token::LBracket, Token::RBracket)?;
                Some(Expr::List(List { items, span: start..self.last_end }))
            }
            Token::LBrace => self.map(),
            _ => None,
        }
    }

    /// `open value, value… close` with line breaks around values and an optional
    /// trailing comma: a list's items or a call's arguments. Returns where `open` starts.
    fn values(&mut self, open: Token<'static>, close: Token<'static>) -> Option<(usize, Vec<Expr>)> {
        let start = self.eat(open)?.start;
        let mut items = Vec::new();
        loop {
            self.newlines();
            if self.eat(close.clone()).is_some() {
                return Some((start, items));
            }
            items.push(self.value()?);
            self.newlines();
            if self.eat(Token::Comma).is_none() {
                self.eat(close)?;
                return Some((start, items));
            }
        }
    }

    /// `{ key = value … }`, entries separated by line breaks, commas or semicolons (or
    /// nothing).
    fn map(&mut self) -> Option<Expr> {
        let start = self.eat(Token::LBrace)?.start;
        let mut entries = Vec::new();
        loop {
            while matches!(self.peek(), Some(Token::Newline | Token::Comma | Token::Semi)) {
                self.bump();
            }
            if self.eat(Token::RBrace).is_some() {
                return Some(Expr::Map(Map { entries, span: start..self.last_end }));
            }
            let key = match self.peek()? {
                Token::Word(_) => Term::Word(self.word()?),
                Token::Str(_) | Token::TripleStr(_) => Term::Str(Box::new(self.string()?)),
                _ => return None,
            };
            self.eat(Token::Eq)?;
            let value = self.value()?;
            let span = key.span().start..self.last_end;
            entries.push(MapEntry { key, value, span });
        }
    }
}
