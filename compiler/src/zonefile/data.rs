//! Record data of a master file → the typed [`Rdata`] of the DNS layer. Tokens become the
//! terms drove's own record lines are made of (words and strings), so one parser checks
//! both; RFC 3597 generic data (`\# LEN HEX`) is decoded from the wire form first.

use super::lexer::Token;
use crate::dns::name::Name;
use crate::dns::rdata::{self, AValue, Rdata};
use crate::dns::rtype::RType;
use crate::syntax::cst::{Str, Term, Word};

/// Record types by number (RFC 3597 `TYPEnnn`), for the ones Route53 serves.
pub fn rtype_by_number(n: u16) -> Option<RType> {
    Some(match n {
        1 => RType::A,
        2 => RType::Ns,
        5 => RType::Cname,
        12 => RType::Ptr,
        15 => RType::Mx,
        16 => RType::Txt,
        28 => RType::Aaaa,
        33 => RType::Srv,
        35 => RType::Naptr,
        43 => RType::Ds,
        44 => RType::Sshfp,
        52 => RType::Tlsa,
        64 => RType::Svcb,
        65 => RType::Https,
        99 => RType::Spf,
        257 => RType::Caa,
        _ => return None,
    })
}

fn word(text: &str) -> Term {
    Term::Word(Word { text: text.into(), span: 0..0 })
}

fn string(value: String) -> Term {
    Term::Str(Box::new(Str { value, triple: false, span: 0..0 }))
}

/// A token in a field that holds a number, a name or hex: escapes would change what the
/// text means (`a\.b` is one label), and drove names have no escapes.
fn plain(t: &Token) -> Result<&str, String> {
    match t.text() {
        Some(s) if !t.escaped => Ok(s),
        _ => Err(format!("`{}`: escaped characters are only supported inside strings", t.raw)),
    }
}

/// A character-string: drove strings are text, so its bytes must be UTF-8.
fn text(t: &Token) -> Result<String, String> {
    String::from_utf8(t.value.clone()).map_err(|_| {
        format!("`{}`: the string holds bytes that are not UTF-8, which drove strings cannot carry", t.raw)
    })
}

/// Terms for the presentation-format tokens of `rtype`.
fn terms(rtype: RType, tokens: &[Token]) -> Result<Vec<Term>, String> {
    let mut out = Vec::with_capacity(tokens.len());
    match rtype {
        RType::Txt | RType::Spf => {
            for t in tokens {
                out.push(string(text(t)?));
            }
        }
        RType::Caa => {
            for (i, t) in tokens.iter().enumerate() {
                out.push(if i < 2 { word(plain(t)?) } else { string(text(t)?) });
            }
        }
        RType::Naptr => {
            for (i, t) in tokens.iter().enumerate() {
                out.push(if (2..5).contains(&i) { string(text(t)?) } else { word(plain(t)?) });
            }
        }
        RType::Https | RType::Svcb => {
            for t in tokens.iter().take(2) {
                out.push(word(plain(t)?));
            }
            // SvcParams keep their own quoting (`alpn="h2,h3"`), so they pass as written.
            let params: Vec<&str> = tokens.iter().skip(2).map(|t| t.raw.as_str()).collect();
            if !params.is_empty() {
                out.push(string(params.join(" ")));
            }
        }
        _ => {
            for t in tokens {
                out.push(word(plain(t)?));
            }
        }
    }
    Ok(out)
}

fn parse_terms(rtype: RType, terms: &[Term], origin: &Name) -> Result<Rdata, String> {
    match rdata::parse(rtype, terms, origin, 0..0) {
        Ok(Rdata::A(AValue::Host(_))) => Err("an A record takes an IPv4 address".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(match e.help {
            Some(h) => format!("{} ({h})", e.message),
            None => e.message,
        }),
    }
}

/// The data of one record; `origin` completes relative names.
pub fn parse(rtype: RType, tokens: &[Token], origin: &Name) -> Result<Rdata, String> {
    if tokens.first().is_some_and(|t| t.raw == "\\#") {
        let bytes = generic_bytes(tokens)?;
        let terms = super::wire::terms(rtype, &bytes)?;
        return parse_terms(rtype, &terms, origin);
    }
    parse_terms(rtype, &terms(rtype, tokens)?, origin)
}

/// The tag of a CAA record that is well formed but for its tag, which Route53 does not
/// take; `None` for anything else (another type, a tag Route53 takes, a malformed record).
pub fn caa_tag_not_in_route53(rtype: RType, tokens: &[Token]) -> Option<String> {
    if rtype != RType::Caa {
        return None;
    }
    let (flags, tag, has_value) = if tokens.first().is_some_and(|t| t.raw == "\\#") {
        let bytes = generic_bytes(tokens).ok()?;
        let (&flags, rest) = bytes.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let tag = rest.get(..usize::from(len))?;
        (flags.to_string(), String::from_utf8(tag.to_vec()).ok()?, true)
    } else {
        (plain(tokens.first()?).ok()?.to_string(), plain(tokens.get(1)?).ok()?.to_string(), tokens.len() == 3)
    };
    // RFC 8659 §4.1: a tag is 1–15 ASCII letters and digits.
    let tag = tag.to_ascii_lowercase();
    let well_formed = flags.parse::<u8>().is_ok()
        && has_value
        && (1..=15).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric());
    (well_formed && !rdata::CAA_TAGS.contains(&tag.as_str())).then_some(tag)
}

/// `\# LENGTH HEX…` (RFC 3597 §5): the data as bytes, its length checked.
pub fn generic_bytes(tokens: &[Token]) -> Result<Vec<u8>, String> {
    let Some(len_token) = tokens.get(1) else {
        return Err("generic data `\\#` needs its length in bytes".into());
    };
    let len: usize = plain(len_token)?
        .parse()
        .map_err(|_| format!("generic data: expected a length in bytes, found `{}`", len_token.raw))?;
    let mut hex = String::new();
    for t in tokens.iter().skip(2) {
        hex.push_str(plain(t)?);
    }
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("generic data: `{hex}` is not an even number of hex digits"));
    }
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .filter_map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    if bytes.len() != len {
        return Err(format!("generic data: the length says {len} bytes but {} are given", bytes.len()));
    }
    Ok(bytes)
}

pub(super) fn word_term(text: &str) -> Term {
    word(text)
}

pub(super) fn string_term(value: String) -> Term {
    string(value)
}
