//! Credential-looking literals: the regret of the write-up drove comes from (keys
//! hard-coded in code). Anything that looks like a key is flagged wherever it stands,
//! with a pointer to `drove secret`, which encrypts it instead.

use crate::diag::{Diagnostic, Sink};
use crate::source::{FileId, Span};
use crate::syntax::cst::{self, Expr, Item, Term};

pub const W_AWS_KEY_ID: &str = "W0030";
pub const W_AWS_SECRET_KEY: &str = "W0031";
pub const W_PRIVATE_KEY: &str = "W0032";
pub const W_TOKEN: &str = "W0033";

/// AWS keys on a host are what an instance role replaces.
const AWS_HELP: &str =
    "don't keep AWS keys in source: revoke this one; hosts that call AWS get short-lived credentials from their role's instance role: declare what they may touch in the role's `access { … }` block (S3 buckets, SSM parameters, CloudWatch logs)";
const HELP: &str =
    "don't keep credentials in source: revoke this one, then store the new value with `drove secret encrypt` and use it as `secret(\"NAME\")` in a provisioned file";

pub fn check(files: &[cst::File], sink: &mut Sink) {
    for f in files {
        for item in &f.items {
            if let Item::Stmt(s) = item {
                if s.head().text == "secret" {
                    continue;
                }
            }
            item_texts(f.file, item, "", sink);
        }
    }
}

/// What a literal stands next to, for the "next to an AWS word" test of secret access
/// keys: the nearest attribute key or statement head, or the words of its own statement.
/// Only a literal holding a 40-character run ever looks at it, so a statement's words are
/// not joined into one string up front (that was one allocation per record line).
#[derive(Clone, Copy)]
enum Context<'a> {
    Key(&'a str),
    Words(&'a [Term]),
}

impl Context<'_> {
    fn mentions_aws(self) -> bool {
        match self {
            Context::Key(k) => mentions_aws(k),
            // Neither needle holds a space, so testing each word is testing the words
            // joined by spaces.
            Context::Words(terms) => terms.iter().any(|t| matches!(t, Term::Word(w) if mentions_aws(&w.text))),
        }
    }
}

fn item_texts(file: FileId, item: &Item, context: &str, sink: &mut Sink) {
    match item {
        Item::Error(_) => {}
        Item::Attr(a) => expr_texts(file, &a.value, Context::Key(&a.key.text), sink),
        Item::Stmt(s) => {
            let head = s.head().text.as_str();
            let ctx = Context::Words(&s.terms);
            for t in s.terms.iter().skip(1) {
                match t {
                    Term::Word(w) => scan(file, &w.text, w.span.start, w.span.clone(), ctx, sink),
                    Term::Str(st) => string(file, st, ctx, sink),
                    Term::Comma(_) => {}
                }
            }
            if let Some(v) = &s.value {
                expr_texts(file, v, ctx, sink);
            }
            if let Some(b) = &s.block {
                for i in &b.items {
                    item_texts(file, i, if context.is_empty() { head } else { context }, sink);
                }
            }
        }
    }
}

fn expr_texts(file: FileId, e: &Expr, context: Context, sink: &mut Sink) {
    match e {
        Expr::Word(w) => scan(file, &w.text, w.span.start, w.span.clone(), context, sink),
        Expr::Str(s) => string(file, s, context, sink),
        Expr::List(l) => l.items.iter().for_each(|i| expr_texts(file, i, context, sink)),
        Expr::Map(m) => {
            for en in &m.entries {
                let key = match &en.key {
                    Term::Word(w) => Context::Key(w.text.as_str()),
                    Term::Str(s) => Context::Key(s.value.as_str()),
                    Term::Comma(_) => context,
                };
                expr_texts(file, &en.value, key, sink);
            }
        }
        Expr::Call(c) => c.args.iter().for_each(|a| expr_texts(file, a, context, sink)),
        Expr::Error(_) => {}
    }
}

/// Scans a string's value. When the value is the source text verbatim (no escapes) the
/// spans point at the match; otherwise at the whole string.
fn string(file: FileId, s: &cst::Str, context: Context, sink: &mut Sink) {
    let len = s.span.end - s.span.start;
    let quote = if s.triple { 3 } else { 1 };
    let start = if len == s.value.len() + 2 * quote {
        Some(s.span.start + quote)
    } else if s.triple && len == s.value.len() + 7 {
        Some(s.span.start + 4) // a line break after the opening quotes is dropped
    } else {
        None
    };
    match start {
        Some(st) => scan(file, &s.value, st, s.span.clone(), context, sink),
        None => scan_whole(file, &s.value, s.span.clone(), context, sink),
    }
}

fn scan_whole(file: FileId, text: &str, span: Span, context: Context, sink: &mut Sink) {
    if text.len() < SHORTEST_MATCH {
        return;
    }
    let mut found = Vec::new();
    find(text, context, &mut found);
    for (code, what, _) in found {
        sink.push(report(file, span.clone(), code, what));
    }
}

/// Inlined so that the short words most statements are made of cost one comparison.
#[inline]
fn scan(file: FileId, text: &str, start: usize, whole: Span, context: Context, sink: &mut Sink) {
    if text.len() >= SHORTEST_MATCH {
        scan_long(file, text, start, whole, context, sink);
    }
}

fn scan_long(file: FileId, text: &str, start: usize, whole: Span, context: Context, sink: &mut Sink) {
    let mut found = Vec::new();
    find(text, context, &mut found);
    for (code, what, range) in found {
        let span = (start + range.start)..(start + range.end);
        let span = if span.end <= whole.end { span } else { whole.clone() };
        sink.push(report(file, span, code, what));
    }
}

fn report(file: FileId, span: Span, code: &'static str, what: &str) -> Diagnostic {
    Diagnostic::new(code, file, span, format!("this looks like {what}"))
        .with_label("credential in source")
        .with_help(if code == W_AWS_KEY_ID || code == W_AWS_SECRET_KEY { AWS_HELP } else { HELP })
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The shortest text any pattern below can match (`xoxb-` and ten characters).
const SHORTEST_MATCH: usize = 15;
/// An AWS secret access key is a run of exactly this many base64 characters.
const SECRET_KEY_LEN: usize = 40;

/// GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_ + 36 characters; fine-grained
/// github_pat_) and Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-) and webhooks.
const TOKENS: [(&str, usize, &str); 8] = [
    ("ghp_", 36, "a GitHub token"),
    ("gho_", 36, "a GitHub token"),
    ("ghu_", 36, "a GitHub token"),
    ("ghs_", 36, "a GitHub token"),
    ("ghr_", 36, "a GitHub token"),
    ("github_pat_", 22, "a GitHub token"),
    ("xox", 10, "a Slack token"),
    ("hooks.slack.com/services/", 20, "a Slack webhook URL"),
];

/// All credential-looking parts of `text`: (code, what, byte range).
///
/// One pass over the bytes, dispatching on the first byte of each pattern: this runs on
/// every word and string of the stack (250,000 of them in a 50,000-record zone), where a
/// substring search per pattern was most of `drove check`'s time.
fn find(text: &str, context: Context, out: &mut Vec<(&'static str, &'static str, std::ops::Range<usize>)>) {
    let bytes = text.as_bytes();
    if bytes.len() < SHORTEST_MATCH {
        return;
    }
    for i in 0..bytes.len() {
        let rest = &bytes[i..];
        // Nothing shorter than the shortest pattern can start here (or further on).
        if rest.len() < SHORTEST_MATCH {
            break;
        }
        match bytes[i] {
            // AWS access key ids: AKIA (long-term) or ASIA (temporary) + 16 upper-case letters/digits.
            b'A' if rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA") => {
                let end = i + 20;
                let Some(body) = bytes.get(i + 4..end) else { continue };
                let before_ok = i == 0 || !is_key_char(bytes[i - 1]);
                let after_ok = bytes.get(end).is_none_or(|b| !is_key_char(*b));
                if before_ok && after_ok && body.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                    out.push((W_AWS_KEY_ID, "an AWS access key id", i..end));
                }
            }
            // PEM private keys of any kind (RSA, EC, OPENSSH, plain PKCS#8).
            b'-' if rest.starts_with(b"-----BEGIN ") => {
                let rest = &text[i..];
                let close =
                    rest.find("-----\n").or_else(|| rest.get(11..).and_then(|r| r.find("-----")).map(|p| p + 11));
                if let Some(close) = close {
                    if rest.get(..close).is_some_and(|h| h.ends_with("PRIVATE KEY")) {
                        out.push((W_PRIVATE_KEY, "a private key", i..i + close + 5));
                    }
                }
            }
            first @ (b'g' | b'x' | b'h') => {
                // By reference and first byte first: this runs at every `g`, `x` and `h`
                // of every long word (DNS names are full of them).
                for &(prefix, min, what) in TOKENS.iter().filter(|(p, _, _)| p.as_bytes()[0] == first) {
                    if !rest.starts_with(prefix.as_bytes()) {
                        continue;
                    }
                    let mut j = i + prefix.len();
                    if prefix == "xox" {
                        if !bytes.get(j).is_some_and(|b| b"bpars".contains(b)) || bytes.get(j + 1) != Some(&b'-') {
                            continue;
                        }
                        j += 2;
                    }
                    let body_start = j;
                    while j < bytes.len()
                        && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'_' | b'-' | b'/'))
                    {
                        j += 1;
                    }
                    if j - body_start >= min {
                        out.push((W_TOKEN, what, i..j));
                    }
                }
            }
            _ => {}
        }
    }
    // AWS secret access keys: 40 base64 characters, only when AWS is mentioned nearby
    // (40-character runs are common otherwise: hashes, fingerprints).
    let mut i = 0;
    while bytes.len() >= SECRET_KEY_LEN && i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'/' || bytes[i] == b'+') {
            i += 1;
        }
        let run = &bytes[start..i];
        let mixed = run.len() == SECRET_KEY_LEN
            && run.iter().any(u8::is_ascii_uppercase)
            && run.iter().any(u8::is_ascii_lowercase)
            && run.iter().any(u8::is_ascii_digit);
        if mixed && (mentions_aws(text) || context.mentions_aws()) {
            out.push((W_AWS_SECRET_KEY, "an AWS secret access key", start..i));
        }
        i += 1;
    }
    out.sort_by_key(|(_, _, r)| (r.start, r.end));
}

fn mentions_aws(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("aws") || lower.contains("secret_access")
}

#[cfg(test)]
mod tests {
    use super::{find, Context};

    fn codes(text: &str, ctx: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        find(text, Context::Key(ctx), &mut out);
        out.into_iter().map(|(c, _, _)| c).collect()
    }

    #[test]
    fn finds_credentials_and_ignores_look_alikes() {
        assert_eq!(codes("AKIAIOSFODNN7EXAMPLE", ""), ["W0030"]);
        assert_eq!(codes("key=ASIAIOSFODNN7EXAMPLE;", ""), ["W0030"]);
        assert!(codes("AKIAshort", "").is_empty());
        assert_eq!(codes("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"), ["W0031"]);
        assert!(codes("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "fingerprint").is_empty());
        assert_eq!(codes("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", ""), ["W0032"]);
        assert!(codes("-----BEGIN CERTIFICATE-----\nMIIE", "").is_empty());
        assert_eq!(codes("ghp_abcdefghijklmnopqrstuvwxyz0123456789", ""), ["W0033"]);
        assert_eq!(codes("xoxb-123456789012-abcdefghij", ""), ["W0033"]);
        assert!(codes("xoxo-hugs", "").is_empty());
    }
}
