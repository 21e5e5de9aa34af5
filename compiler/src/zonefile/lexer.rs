//! Splits a master file (RFC 1035 §5.1) into entries: the tokens of one logical line,
//! where parentheses let an entry run over several physical lines, `;` starts a comment,
//! `"…"` quotes blanks, and `\X` / `\DDD` escape one byte.

/// One token. `value` has escapes resolved and quotes removed; `raw` is the text as
/// written (for messages, and for SVCB parameters whose own syntax uses quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub value: Vec<u8>,
    pub raw: String,
    pub quoted: bool,
    pub escaped: bool,
}

impl Token {
    /// The value as text, when it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.value).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line where the entry starts.
    pub line: usize,
    /// The line starts with a blank: the owner is the previous entry's.
    pub blank_owner: bool,
    pub tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> LexError {
    LexError { line, message: message.into() }
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// After a `\`: three decimal digits are one byte, anything else stands for itself.
    fn escape(&mut self, raw: &mut Vec<u8>) -> Result<u8, LexError> {
        let Some(c) = self.peek() else {
            return Err(err(self.line, "the file ends after a `\\`"));
        };
        if c.is_ascii_digit() {
            let digits = self.bytes.get(self.pos..self.pos + 3).unwrap_or(&[]);
            if digits.len() != 3 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(err(self.line, "`\\` followed by a digit needs three decimal digits (`\\DDD`)"));
            }
            let n = digits.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            if n > 255 {
                return Err(err(self.line, format!("`\\{n}` is not a byte (0–255)")));
            }
            raw.extend_from_slice(digits);
            self.pos += 3;
            return Ok(n as u8);
        }
        if c == b'\n' {
            return Err(err(self.line, "a `\\` at the end of a line"));
        }
        raw.push(c);
        self.pos += 1;
        Ok(c)
    }

    /// A token starting at the current byte (not a blank, `;`, parenthesis or newline).
    fn token(&mut self) -> Result<Token, LexError> {
        let mut value = Vec::new();
        let mut raw = Vec::new();
        let mut quoted = false;
        let mut escaped = false;
        let mut in_quotes = false;
        let start_line = self.line;
        while let Some(c) = self.peek() {
            if in_quotes {
                match c {
                    b'"' => {
                        in_quotes = false;
                        raw.push(c);
                        self.pos += 1;
                    }
                    b'\n' => return Err(err(start_line, "a quoted string is not closed before the end of the line")),
                    b'\\' => {
                        raw.push(c);
                        self.pos += 1;
                        escaped = true;
                        let b = self.escape(&mut raw)?;
                        value.push(b);
                    }
                    _ => {
                        value.push(c);
                        raw.push(c);
                        self.pos += 1;
                    }
                }
                continue;
            }
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' => break,
                b'"' => {
                    quoted |= raw.is_empty();
                    in_quotes = true;
                    raw.push(c);
                    self.pos += 1;
                }
                b'\\' => {
                    raw.push(c);
                    self.pos += 1;
                    escaped = true;
                    let b = self.escape(&mut raw)?;
                    value.push(b);
                }
                _ => {
                    value.push(c);
                    raw.push(c);
                    self.pos += 1;
                }
            }
        }
        if in_quotes {
            return Err(err(start_line, "a quoted string is not closed at the end of the file"));
        }
        Ok(Token { value, raw: String::from_utf8_lossy(&raw).into_owned(), quoted, escaped })
    }
}

/// The entries of a file, in order; blank and comment-only lines give none.
pub fn entries(bytes: &[u8]) -> Result<Vec<Entry>, LexError> {
    let mut lx = Lexer { bytes, pos: 0, line: 1 };
    let mut out = Vec::new();
    let mut current: Option<Entry> = None;
    // Lines of the open parentheses, innermost last.
    let mut open: Vec<usize> = Vec::new();
    let mut at_line_start = true;
    while let Some(c) = lx.peek() {
        let line_start = at_line_start;
        at_line_start = false;
        match c {
            b'\n' => {
                lx.pos += 1;
                lx.line += 1;
                at_line_start = true;
                if open.is_empty() {
                    out.extend(current.take().filter(|e| !e.tokens.is_empty()));
                }
            }
            b' ' | b'\t' | b'\r' => {
                if line_start && open.is_empty() && current.is_none() {
                    current = Some(Entry { line: lx.line, blank_owner: true, tokens: Vec::new() });
                }
                lx.pos += 1;
            }
            b';' => {
                while lx.peek().is_some_and(|c| c != b'\n') {
                    lx.pos += 1;
                }
            }
            b'(' => {
                open.push(lx.line);
                current.get_or_insert(Entry { line: lx.line, blank_owner: false, tokens: Vec::new() });
                lx.pos += 1;
            }
            b')' => {
                if open.pop().is_none() {
                    return Err(err(lx.line, "`)` without a matching `(`"));
                }
                lx.pos += 1;
            }
            _ => {
                let line = lx.line;
                let t = lx.token()?;
                current.get_or_insert(Entry { line, blank_owner: false, tokens: Vec::new() }).tokens.push(t);
            }
        }
    }
    if let Some(line) = open.last() {
        return Err(err(*line, "`(` is not closed before the end of the file"));
    }
    out.extend(current.filter(|e| !e.tokens.is_empty()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(e: &Entry) -> Vec<String> {
        e.tokens.iter().map(|t| String::from_utf8_lossy(&t.value).into_owned()).collect()
    }

    #[test]
    fn parentheses_comments_and_blank_owners() {
        let text =
            b"@ IN SOA ns1 admin ( 1 ; serial\n 2 3\n 4 5 )\n\n  ; only a comment\n\tA 192.0.2.1 ; c\nwww A 192.0.2.2";
        let es = entries(text).unwrap();
        assert_eq!(es.len(), 3);
        assert_eq!((es[0].line, es[0].blank_owner), (1, false));
        assert_eq!(values(&es[0]), ["@", "IN", "SOA", "ns1", "admin", "1", "2", "3", "4", "5"]);
        assert_eq!((es[1].line, es[1].blank_owner), (6, true));
        assert_eq!(values(&es[1]), ["A", "192.0.2.1"]);
        assert_eq!((es[2].line, es[2].blank_owner), (7, false));
    }

    #[test]
    fn quoted_strings_and_escapes() {
        let es = entries(br#"t TXT "a \"b\" \\ \010;(x)" plain\ word "" "#).unwrap();
        let t = &es[0].tokens;
        assert_eq!(t[2].value, b"a \"b\" \\ \n;(x)");
        assert!(t[2].quoted && t[2].escaped);
        assert_eq!(t[3].value, b"plain word");
        assert!(!t[3].quoted);
        assert_eq!((t[4].value.as_slice(), t[4].quoted), (&b""[..], true));
        let es = entries(br#"s SVCB 1 . alpn="h2,h3 x" port=443"#).unwrap();
        assert_eq!(es[0].tokens[4].raw, "alpn=\"h2,h3 x\"");
        assert!(!es[0].tokens[4].quoted);
    }

    #[test]
    fn errors_carry_their_line() {
        assert_eq!(entries(b"a A 1.2.3.4\nb TXT \"open\nc A 1").unwrap_err().line, 2);
        assert_eq!(entries(b"a A 1\nb SOA ( 1 2\n 3").unwrap_err().line, 2);
        assert_eq!(entries(b"a A 1 )").unwrap_err().line, 1);
        assert_eq!(entries(b"a TXT \\300").unwrap_err().line, 1);
        assert_eq!(entries(b"a TXT \\1x").unwrap_err().line, 1);
        assert_eq!(entries(b"a TXT x\\").unwrap_err().line, 1);
    }
}
