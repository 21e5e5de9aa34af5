//! Tokens, on logos. Bad bytes become `Token::Error` so the parser always gets a stream.

use logos::Logos;

#[derive(Logos, Debug, Clone, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\f\r]+")]
pub enum Token<'s> {
    /// Names, numbers, addresses, CIDRs, DNS names, durations and dotted paths are all
    /// words: drove types them by where they stand, like a zone file does.
    #[regex(r"[A-Za-z0-9_@*:.][A-Za-z0-9_\-.*@/:%+]*")]
    Word(&'s str),

    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    Str(&'s str),

    /// `"""…"""` spans lines and takes its content verbatim (file bodies, scripts).
    #[regex(r#""""([^"]|"[^"]|""[^"])*""""#)]
    TripleStr(&'s str),

    /// A `"` with no closing quote on its line.
    #[regex(r#""([^"\\\n]|\\[^\n])*"#, priority = 0)]
    UnterminatedStr(&'s str),

    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment(&'s str),

    #[token("\n")]
    Newline,
    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token("=")]
    Eq,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,

    /// Bytes that start no token.
    Error,
}

impl std::fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(w) => write!(f, "`{w}`"),
            Token::Str(_) | Token::TripleStr(_) => write!(f, "a string"),
            Token::UnterminatedStr(_) => write!(f, "an unterminated string"),
            Token::Comment(_) => write!(f, "a comment"),
            Token::Newline => write!(f, "end of line"),
            Token::Semi => write!(f, "`;`"),
            Token::Comma => write!(f, "`,`"),
            Token::Eq => write!(f, "`=`"),
            Token::LBrace => write!(f, "`{{`"),
            Token::RBrace => write!(f, "`}}`"),
            Token::LBracket => write!(f, "`[`"),
            Token::RBracket => write!(f, "`]`"),
            Token::LParen => write!(f, "`(`"),
            Token::RParen => write!(f, "`)`"),
            Token::Error => write!(f, "an invalid character"),
        }
    }
}

/// The tokens of a text with byte spans; never fails.
pub fn lex(text: &str) -> impl Iterator<Item = (Token<'_>, std::ops::Range<usize>)> {
    Token::lexer(text).spanned().map(|(tok, span)| (tok.unwrap_or(Token::Error), span))
}
