//! Record data: one value of a record line (the terms between two commas) parsed into
//! typed fields, and rendered in the presentation format Route53's
//! `ResourceRecords[].Value` takes. Errors name the field and what it should hold.

use super::name::{Name, NameError, NameUse};
use super::rtype::RType;
use super::svcb::SvcParams;
use crate::source::Span;
use crate::syntax::cst::{Str, Term, Word};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest character-string inside TXT, SPF, CAA and NAPTR data (one length byte).
pub const MAX_STRING: usize = 255;

/// One value of a record. The variants of rarely used types with many fields (CAA,
/// NAPTR, HTTPS/SVCB, host references) are boxed so that a value is 32 bytes, not three
/// times that: a large zone holds one per record, nearly all A, AAAA, CNAME, MX or TXT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rdata {
    A(AValue),
    Aaaa(Ipv6Addr),
    Caa(Box<Caa>),
    Cname(Name),
    Ds { key_tag: u16, algorithm: u8, digest_type: u8, digest: String },
    Https(Box<Svcb>),
    Mx { preference: u16, exchange: Name },
    Naptr(Box<Naptr>),
    Ns(Name),
    Ptr(Name),
    Spf(Vec<String>),
    Srv { priority: u16, weight: u16, port: u16, target: Name },
    Sshfp { algorithm: u8, fp_type: u8, fingerprint: String },
    Svcb(Box<Svcb>),
    Tlsa { usage: u8, selector: u8, matching: u8, data: String },
    Txt(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caa {
    pub flags: u8,
    pub tag: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Naptr {
    pub order: u16,
    pub preference: u16,
    pub flags: String,
    pub service: String,
    pub regexp: String,
    pub replacement: Name,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Svcb {
    pub priority: u16,
    pub target: Name,
    pub params: SvcParams,
}

/// An A value: an address, or the address of instances known only after apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AValue {
    Addr(Ipv4Addr),
    Host(Box<HostRef>),
}

/// `hosts.NAME.ATTR` (every instance of a group) or `host.NAME.ATTR` (a pet).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostRef {
    /// `USE` of `USE.hosts.NAME.public_ip`: instances of a stack this one uses.
    pub stack: Option<crate::hir::Ident>,
    pub group: bool,
    pub name: String,
    pub attribute: HostAttr,
    pub span: Span,
    /// Span of `NAME` inside the word, for "unknown name" diagnostics.
    pub name_span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostAttr {
    PublicIp,
    PrivateIp,
}

impl HostAttr {
    pub fn as_str(self) -> &'static str {
        match self {
            HostAttr::PublicIp => "public_ip",
            HostAttr::PrivateIp => "private_ip",
        }
    }
}

/// Why a value does not parse: the code, the bad span (a term, or a byte range of one),
/// the message, and a help line or an exact replacement when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<(String, String)>,
}

impl FieldError {
    fn new(span: Span, message: String) -> FieldError {
        FieldError { code: "E0272", span, message, help: None, fix: None }
    }

    fn help(mut self, h: impl Into<String>) -> FieldError {
        self.help = Some(h.into());
        self
    }

    /// A DNS-name error inside `word`, narrowed to the bad label.
    pub fn from_name(word_span: &Span, what: &str, e: &NameError) -> FieldError {
        let start = word_span.start + e.range.start;
        let end = (word_span.start + e.range.end).min(word_span.end).max(start);
        FieldError { code: e.code(), span: start..end, message: format!("{what}: {e}"), help: e.help(), fix: None }
    }
}

/// How a type's value is written, for help lines.
pub fn value_form(t: RType) -> &'static str {
    match t {
        RType::A => "an IPv4 address or `hosts.NAME.public_ip`, e.g. `192.0.2.10`",
        RType::Aaaa => "an IPv6 address, e.g. `2001:db8::1`",
        RType::Caa => "flags tag \"value\", e.g. `0 issue \"letsencrypt.org\"`",
        RType::Cname => "a DNS name, e.g. `www.acme.example.`",
        RType::Ds => "key-tag algorithm digest-type digest-hex, e.g. `60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`",
        RType::Https | RType::Svcb => "priority target \"params\", e.g. `1 . \"alpn=h2,h3\"`",
        RType::Mx => "preference exchange, e.g. `10 mx1.acme.example.`",
        RType::Naptr => "order preference \"flags\" \"service\" \"regexp\" replacement, e.g. `100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp`",
        RType::Ns => "a DNS name, e.g. `ns1.example.net.`",
        RType::Ptr => "a DNS name, e.g. `host.acme.example.`",
        RType::Spf | RType::Txt => "one or more strings, e.g. `\"v=spf1 -all\"`",
        RType::Srv => "priority weight port target, e.g. `0 5 5060 sip.acme.example.`",
        RType::Sshfp => "algorithm fp-type fingerprint-hex, e.g. `4 2 9F3A…` (64 hex digits)",
        RType::Tlsa => "usage selector matching-type data-hex, e.g. `3 1 1 0123…` (64 hex digits)",
    }
}

/// Reads the fields of one value in order.
struct Fields<'a> {
    rtype: RType,
    terms: &'a [Term],
    pos: usize,
    /// Where a missing field is reported: the last term of the value.
    tail: Span,
}

fn describe(t: &Term) -> String {
    match t {
        Term::Word(w) => format!("`{}`", w.text),
        Term::Str(_) => "a string".into(),
        Term::Comma(_) => "`,`".into(),
    }
}

impl<'a> Fields<'a> {
    fn err(&self, span: Span, field: &str, expected: &str, found: &str) -> FieldError {
        FieldError::new(span, format!("{} {field}: expected {expected}, found {found}", self.rtype)).help(format!(
            "a {} value is {}",
            self.rtype,
            value_form(self.rtype)
        ))
    }

    fn next(&mut self, field: &str, expected: &str) -> Result<&'a Term, FieldError> {
        match self.terms.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t)
            }
            None => Err(FieldError::new(
                self.tail.clone(),
                format!("{} value is missing its {field} ({expected})", self.rtype),
            )
            .help(format!("a {} value is {}", self.rtype, value_form(self.rtype)))),
        }
    }

    fn word(&mut self, field: &str, expected: &str) -> Result<&'a Word, FieldError> {
        match self.next(field, expected)? {
            Term::Word(w) => Ok(w),
            t => Err(self.err(t.span(), field, expected, &describe(t))),
        }
    }

    fn uint(&mut self, field: &str, max: u64) -> Result<u64, FieldError> {
        // The common case without building the error text (a zone has thousands of these).
        if let Some(Term::Word(w)) = self.terms.get(self.pos) {
            if w.text.bytes().all(|b| b.is_ascii_digit()) {
                if let Some(n) = w.text.parse::<u64>().ok().filter(|&n| n <= max) {
                    self.pos += 1;
                    return Ok(n);
                }
            }
        }
        let expected = format!("an integer 0–{max}");
        let w = self.word(field, &expected)?;
        match w.text.parse::<u64>() {
            Ok(n) if n <= max && w.text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(self.err(w.span.clone(), field, &expected, &format!("`{}`", w.text))),
        }
    }

    fn u8(&mut self, field: &str) -> Result<u8, FieldError> {
        self.uint(field, u8::MAX as u64).map(|n| n as u8)
    }

    fn u16(&mut self, field: &str) -> Result<u16, FieldError> {
        self.uint(field, u16::MAX as u64).map(|n| n as u16)
    }

    /// One of `allowed`, with a meaning for each in the message.
    fn code_u8(&mut self, field: &str, allowed: &[(u8, &str)]) -> Result<u8, FieldError> {
        let list = allowed.iter().map(|(n, m)| format!("{n} ({m})")).collect::<Vec<_>>().join(", ");
        let expected = format!("one of {list}");
        let w = self.word(field, &expected)?;
        match w.text.parse::<u8>() {
            Ok(n) if allowed.iter().any(|(a, _)| *a == n) => Ok(n),
            _ => Err(self.err(w.span.clone(), field, &expected, &format!("`{}`", w.text))),
        }
    }

    fn string(&mut self, field: &str) -> Result<&'a Str, FieldError> {
        let expected = "a quoted string";
        match self.next(field, expected)? {
            Term::Str(s) => check_len(s).map(|_| &**s),
            Term::Word(w) => {
                let mut e = self.err(w.span.clone(), field, expected, &format!("`{}`", w.text));
                e.fix = Some((format!("quote `{}`", w.text), format!("\"{}\"", w.text)));
                Err(e)
            }
            t => Err(self.err(t.span(), field, expected, &describe(t))),
        }
    }

    fn name(&mut self, field: &str, origin: &Name) -> Result<Name, FieldError> {
        let w = self.word(field, "a DNS name")?;
        Name::parse(&w.text, Some(origin), NameUse::Target)
            .map_err(|e| FieldError::from_name(&w.span, &format!("{} {field}", self.rtype), &e))
    }

    /// The rest of the value as hex digits (a zone file may split them over several words).
    fn hex(&mut self, field: &str, lengths: Option<usize>) -> Result<String, FieldError> {
        let first = self.word(field, "hex digits")?;
        let mut span = first.span.clone();
        let mut out = String::new();
        let mut words = vec![first];
        while let Some(t) = self.terms.get(self.pos) {
            match t {
                Term::Word(w) => words.push(w),
                t => return Err(self.err(t.span(), field, "hex digits", &describe(t))),
            }
            self.pos += 1;
        }
        for w in words {
            span.end = w.span.end;
            if let Some(off) = w.text.find(|c: char| !c.is_ascii_hexdigit()) {
                let at = w.span.start + off;
                let c = w.text[off..].chars().next().unwrap_or('?');
                return Err(self.err(at..at + c.len_utf8(), field, "hex digits", &format!("`{c}`")));
            }
            out.push_str(&w.text.to_ascii_uppercase());
        }
        if !out.len().is_multiple_of(2) {
            return Err(self.err(span, field, "an even number of hex digits", &format!("{} digits", out.len())));
        }
        if let Some(bytes) = lengths {
            if out.len() != bytes * 2 {
                return Err(self.err(
                    span,
                    field,
                    &format!("{} hex digits ({bytes} bytes)", bytes * 2),
                    &format!("{} digits", out.len()),
                ));
            }
        }
        Ok(out)
    }

    fn finish(&self) -> Result<(), FieldError> {
        match self.terms.get(self.pos) {
            None => Ok(()),
            Some(t) => {
                let end = self.terms.last().map(|l| l.span().end).unwrap_or(t.span().end);
                Err(FieldError::new(
                    t.span().start..end,
                    format!("unexpected {} after the {} value", describe(t), self.rtype),
                )
                .help(format!(
                    "a {} value is {}; separate several values with `,`",
                    self.rtype,
                    value_form(self.rtype)
                )))
            }
        }
    }
}

fn check_len(s: &Str) -> Result<(), FieldError> {
    if s.value.len() > MAX_STRING {
        return Err(FieldError {
            code: "E0281",
            span: s.span.clone(),
            message: format!(
                "string is {} bytes long; a DNS character-string holds at most {MAX_STRING}",
                s.value.len()
            ),
            help: Some("split it into several strings on the same value: `\"first part\" \"second part\"`".into()),
            fix: None,
        });
    }
    Ok(())
}

/// Parses one value (no commas in `terms`). `origin` completes relative names.
pub fn parse(rtype: RType, terms: &[Term], origin: &Name, whole: Span) -> Result<Rdata, FieldError> {
    let tail = terms.last().map(|t| t.span()).unwrap_or(whole);
    let mut f = Fields { rtype, terms, pos: 0, tail };
    let data = match rtype {
        RType::A => Rdata::A(parse_a(f.word("address", "an IPv4 address")?)?),
        RType::Aaaa => {
            let w = f.word("address", "an IPv6 address")?;
            match w.text.parse::<Ipv6Addr>() {
                Ok(a) => Rdata::Aaaa(a),
                Err(_) if w.text.parse::<Ipv4Addr>().is_ok() => {
                    return Err(FieldError::new(w.span.clone(), format!("`{}` is an IPv4 address, not IPv6", w.text))
                        .help("IPv4 addresses go in an A record"))
                }
                Err(_) => return Err(f.err(w.span.clone(), "address", "an IPv6 address", &format!("`{}`", w.text))),
            }
        }
        RType::Caa => {
            let flags = f.u8("flags")?;
            let tw = f.word("tag", "`issue`, `issuewild`, `issuemail` or `iodef`")?;
            let tag = tw.text.as_str().to_ascii_lowercase();
            if !CAA_TAGS.contains(&tag.as_str()) {
                let mut e = f.err(
                    tw.span.clone(),
                    "tag",
                    "`issue`, `issuewild`, `issuemail` or `iodef`",
                    &format!("`{}`", tw.text),
                );
                if let Some(s) = crate::diag::did_you_mean(&tw.text, CAA_TAGS.iter().copied()) {
                    e.help = Some(format!("did you mean `{s}`?"));
                    e.fix = Some((format!("change to `{s}`"), s.to_string()));
                }
                return Err(e);
            }
            let value = f.string("value")?;
            if tag == "iodef" && !IODEF_SCHEMES.iter().any(|s| value.value.starts_with(s)) {
                return Err(f.err(
                    value.span.clone(),
                    "value",
                    "a `mailto:`, `https:` or `http:` URL",
                    &format!("\"{}\"", value.value),
                ));
            }
            Rdata::Caa(Box::new(Caa { flags, tag, value: value.value.clone() }))
        }
        RType::Cname => Rdata::Cname(f.name("target", origin)?),
        RType::Ns => Rdata::Ns(f.name("name server", origin)?),
        RType::Ptr => Rdata::Ptr(f.name("target", origin)?),
        RType::Ds => {
            let key_tag = f.u16("key tag")?;
            let algorithm = f.u8("algorithm")?;
            let digest_type = f.code_u8("digest type", &[(1, "SHA-1"), (2, "SHA-256"), (3, "GOST"), (4, "SHA-384")])?;
            let len = match digest_type {
                1 => 20,
                2 | 3 => 32,
                _ => 48,
            };
            let digest = f.hex("digest", Some(len))?;
            Rdata::Ds { key_tag, algorithm, digest_type, digest }
        }
        RType::Https | RType::Svcb => {
            let priority = f.u16("priority")?;
            let target = f.name("target", origin)?;
            let mut strings = Vec::new();
            while let Some(t) = f.terms.get(f.pos) {
                match t {
                    Term::Str(s) => strings.push(&**s),
                    t => {
                        return Err(f.err(
                            t.span(),
                            "params",
                            "a quoted string of `key=value` parameters",
                            &describe(t),
                        ))
                    }
                }
                f.pos += 1;
            }
            let params = super::svcb::parse(&strings)?;
            if priority == 0 && !params.is_empty() {
                let span =
                    strings.first().map(|s| s.span.start).unwrap_or(0)..strings.last().map(|s| s.span.end).unwrap_or(0);
                return Err(FieldError::new(span, format!("{rtype} priority 0 (alias mode) takes no parameters"))
                    .help("use a priority of 1 or more for a service record with parameters"));
            }
            let s = Box::new(Svcb { priority, target, params });
            if rtype == RType::Https {
                Rdata::Https(s)
            } else {
                Rdata::Svcb(s)
            }
        }
        RType::Mx => Rdata::Mx { preference: f.u16("preference")?, exchange: f.name("exchange", origin)? },
        RType::Naptr => {
            let order = f.u16("order")?;
            let preference = f.u16("preference")?;
            let flags_s = f.string("flags")?;
            if let Some(c) = flags_s.value.chars().find(|c| !c.is_ascii_alphanumeric()) {
                return Err(f.err(
                    flags_s.span.clone(),
                    "flags",
                    "letters and digits (e.g. \"S\", \"A\", \"U\", \"P\")",
                    &format!("`{c}`"),
                ));
            }
            let service = f.string("service")?.value.clone();
            let regexp_s = f.string("regexp")?;
            let rw = f.word("replacement", "a DNS name, or `.` when regexp is used")?;
            let replacement = Name::parse(&rw.text, Some(origin), NameUse::Target)
                .map_err(|e| FieldError::from_name(&rw.span, "NAPTR replacement", &e))?;
            if !regexp_s.value.is_empty() && !replacement.is_root() {
                return Err(FieldError::new(rw.span.clone(), "NAPTR has both a regexp and a replacement".into())
                    .help("use one: with a regexp the replacement is `.`"));
            }
            Rdata::Naptr(Box::new(Naptr {
                order,
                preference,
                flags: flags_s.value.to_ascii_uppercase(),
                service,
                regexp: regexp_s.value.clone(),
                replacement,
            }))
        }
        RType::Spf | RType::Txt => {
            let mut strings = Vec::new();
            while f.pos < f.terms.len() || strings.is_empty() {
                strings.push(f.string("text")?.value.clone());
            }
            if rtype == RType::Txt {
                Rdata::Txt(strings)
            } else {
                Rdata::Spf(strings)
            }
        }
        RType::Srv => Rdata::Srv {
            priority: f.u16("priority")?,
            weight: f.u16("weight")?,
            port: f.u16("port")?,
            target: f.name("target", origin)?,
        },
        RType::Sshfp => {
            let algorithm =
                f.code_u8("algorithm", &[(1, "RSA"), (2, "DSA"), (3, "ECDSA"), (4, "Ed25519"), (6, "Ed448")])?;
            let fp_type = f.code_u8("fingerprint type", &[(1, "SHA-1"), (2, "SHA-256")])?;
            let fingerprint = f.hex("fingerprint", Some(if fp_type == 1 { 20 } else { 32 }))?;
            Rdata::Sshfp { algorithm, fp_type, fingerprint }
        }
        RType::Tlsa => {
            let usage = f.code_u8("usage", &[(0, "PKIX-TA"), (1, "PKIX-EE"), (2, "DANE-TA"), (3, "DANE-EE")])?;
            let selector = f.code_u8("selector", &[(0, "full certificate"), (1, "public key")])?;
            let matching = f.code_u8("matching type", &[(0, "exact"), (1, "SHA-256"), (2, "SHA-512")])?;
            let len = match matching {
                1 => Some(32),
                2 => Some(64),
                _ => None,
            };
            let data = f.hex("data", len)?;
            Rdata::Tlsa { usage, selector, matching, data }
        }
    };
    f.finish()?;
    Ok(data)
}

/// The CAA tags Route53 takes.
pub const CAA_TAGS: &[&str] = &["issue", "issuewild", "issuemail", "iodef"];
const IODEF_SCHEMES: &[&str] = &["mailto:", "https:", "http:"];

fn parse_a(w: &Word) -> Result<AValue, FieldError> {
    if let Ok(a) = w.text.parse::<Ipv4Addr>() {
        return Ok(AValue::Addr(a));
    }
    let mut parts: Vec<&str> = w.text.split('.').collect();
    // `USE.hosts.NAME.ATTR`: the instances of a used stack.
    let stack = match parts.as_slice() {
        [used, "hosts" | "host", _, _] => {
            let ident = crate::hir::Ident { text: used.to_string(), span: w.span.start..w.span.start + used.len() };
            parts.remove(0);
            Some(ident)
        }
        _ => None,
    };
    let offset = stack.as_ref().map_or(0, |s| s.text.len() + 1);
    if let [kind @ ("hosts" | "host"), name, attr] = parts.as_slice() {
        let name_start = w.span.start + offset + kind.len() + 1;
        let attr_start = name_start + name.len() + 1;
        let attribute = match *attr {
            "public_ip" => HostAttr::PublicIp,
            "private_ip" => HostAttr::PrivateIp,
            other => {
                let mut e = FieldError::new(
                    attr_start..w.span.end,
                    format!("`{other}` is not an address of a host: expected `public_ip` or `private_ip`"),
                );
                if let Some(s) = crate::diag::did_you_mean(other, ["public_ip", "private_ip"]) {
                    e.help = Some(format!("did you mean `{s}`?"));
                    e.fix = Some((format!("change to `{s}`"), s.to_string()));
                }
                return Err(e);
            }
        };
        return Ok(AValue::Host(Box::new(HostRef {
            stack,
            group: *kind == "hosts",
            name: name.to_string(),
            attribute,
            span: w.span.clone(),
            name_span: name_start..name_start + name.len(),
        })));
    }
    if w.text.parse::<Ipv6Addr>().is_ok() {
        return Err(FieldError::new(w.span.clone(), format!("`{}` is an IPv6 address, not IPv4", w.text))
            .help("IPv6 addresses go in an AAAA record"));
    }
    Err(FieldError::new(
        w.span.clone(),
        format!("A address: expected an IPv4 address or `hosts.NAME.public_ip`, found `{}`", w.text),
    )
    .help(format!("an A value is {}", value_form(RType::A))))
}

/// A character-string in presentation format: quoted, `"` and `\` escaped, bytes outside
/// printable ASCII as `\DDD` (what Route53 accepts and returns).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

impl Rdata {
    /// The value as Route53 takes it; `None` for an A value only known after apply.
    pub fn presentation(&self) -> Option<String> {
        self.presentation_quoting(quote)
    }

    /// The presentation format with each character-string written by `quote` (a drove
    /// record line writes them as drove strings).
    pub fn presentation_quoting(&self, quote: fn(&str) -> String) -> Option<String> {
        Some(match self {
            Rdata::A(AValue::Addr(a)) => a.to_string(),
            Rdata::A(AValue::Host(_)) => return None,
            Rdata::Aaaa(a) => a.to_string(),
            Rdata::Caa(c) => format!("{} {} {}", c.flags, c.tag, quote(&c.value)),
            Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => n.to_string(),
            Rdata::Ds { key_tag, algorithm, digest_type, digest } => {
                format!("{key_tag} {algorithm} {digest_type} {digest}")
            }
            Rdata::Https(s) | Rdata::Svcb(s) => {
                let mut out = format!("{} {}", s.priority, s.target);
                let params = s.params.presentation();
                if !params.is_empty() {
                    out.push(' ');
                    out.push_str(&params);
                }
                out
            }
            Rdata::Mx { preference, exchange } => format!("{preference} {exchange}"),
            Rdata::Naptr(n) => format!(
                "{} {} {} {} {} {}",
                n.order,
                n.preference,
                quote(&n.flags),
                quote(&n.service),
                quote(&n.regexp),
                n.replacement
            ),
            Rdata::Spf(strings) | Rdata::Txt(strings) => strings.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" "),
            Rdata::Srv { priority, weight, port, target } => format!("{priority} {weight} {port} {target}"),
            Rdata::Sshfp { algorithm, fp_type, fingerprint } => format!("{algorithm} {fp_type} {fingerprint}"),
            Rdata::Tlsa { usage, selector, matching, data } => format!("{usage} {selector} {matching} {data}"),
        })
    }

    /// Names this value points at, for "target inside the zone" and alias checks.
    pub fn target(&self) -> Option<&Name> {
        match self {
            Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => Some(n),
            Rdata::Mx { exchange, .. } => Some(exchange),
            Rdata::Srv { target, .. } => Some(target),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Splits a value written as in a zone file into terms, with spans into `text`.
    pub(crate) fn terms(text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        let mut i = 0;
        let b = text.as_bytes();
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
            } else if b[i] == b'"' {
                let start = i;
                i += 1;
                let mut v = String::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    v.push(b[i] as char);
                    i += 1;
                }
                i += 1;
                out.push(Term::Str(Box::new(Str { value: v, triple: false, span: start..i })));
            } else {
                let start = i;
                while i < b.len() && b[i] != b' ' {
                    i += 1;
                }
                out.push(Term::Word(Word { text: text[start..i].into(), span: start..i }));
            }
        }
        out
    }

    fn zone() -> Name {
        Name::parse("acme.example.", None, NameUse::Zone).unwrap()
    }

    pub(crate) fn render(t: RType, text: &str) -> Result<String, FieldError> {
        let d = parse(t, &terms(text), &zone(), 0..text.len())?;
        Ok(d.presentation().unwrap_or_default())
    }

    #[test]
    fn every_type_renders_presentation_format() {
        let cases = [
            (RType::A, "192.0.2.1", "192.0.2.1"),
            (RType::Aaaa, "2001:DB8:0:0::1", "2001:db8::1"),
            (RType::Caa, "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""),
            (RType::Caa, "128 IODEF \"mailto:sec@acme.example\"", "128 iodef \"mailto:sec@acme.example\""),
            (RType::Cname, "WWW", "www.acme.example."),
            (
                RType::Ds,
                "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118",
                "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
            ),
            (RType::Https, "1 . \"alpn=h2,h3 port=443\"", "1 . alpn=\"h2,h3\" port=\"443\""),
            (RType::Svcb, "0 svc.example.net.", "0 svc.example.net."),
            (RType::Mx, "10 mx1", "10 mx1.acme.example."),
            (
                RType::Naptr,
                "100 10 \"s\" \"SIP+D2U\" \"\" _sip._udp",
                "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.acme.example.",
            ),
            (RType::Ns, "ns1.example.net.", "ns1.example.net."),
            (RType::Ptr, "host.acme.example.", "host.acme.example."),
            (RType::Spf, "\"v=spf1 -all\"", "\"v=spf1 -all\""),
            (RType::Srv, "0 5 5060 sip", "0 5 5060 sip.acme.example."),
            (
                RType::Sshfp,
                "4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
            ),
            (
                RType::Tlsa,
                "3 1 1 0123456789ab 0123456789ab0123456789ab0123456789ab0123456789ab0123",
                "3 1 1 0123456789AB0123456789AB0123456789AB0123456789AB0123456789AB0123",
            ),
            (RType::Txt, "\"a \\\"b\\\"\" \"c\"", "\"a \\\"b\\\"\" \"c\""),
        ];
        for (t, input, want) in cases {
            assert_eq!(render(t, input).map_err(|e| e.message), Ok(want.to_string()), "{t} {input}");
        }
    }

    #[test]
    fn quote_escapes_non_printable_bytes() {
        assert_eq!(quote("é\t\\"), "\"\\195\\169\\009\\\\\"");
    }

    #[test]
    fn field_errors_name_the_field_and_point_at_it() {
        let e = render(RType::Mx, "ten mx1").unwrap_err();
        assert_eq!((e.code, e.span.clone()), ("E0272", 0..3));
        assert!(e.message.contains("MX preference: expected an integer 0–65535"), "{}", e.message);
        let e = render(RType::Mx, "10").unwrap_err();
        assert!(e.message.contains("missing its exchange"), "{}", e.message);
        let e = render(RType::Srv, "0 5 70000 sip").unwrap_err();
        assert_eq!(e.span, 4..9);
        let e = render(RType::Cname, "a..b").unwrap_err();
        assert_eq!((e.code, e.span), ("E0273", 2..3));
        let e = render(RType::Txt, "unquoted").unwrap_err();
        assert_eq!(e.fix.map(|f| f.1), Some("\"unquoted\"".to_string()));
        let e = render(RType::Caa, "0 isue \"x\"").unwrap_err();
        assert_eq!(e.fix.map(|f| f.1), Some("issue".to_string()));
        let e = render(RType::Ds, "1 5 2 abcd").unwrap_err();
        assert!(e.message.contains("64 hex digits"), "{}", e.message);
        let e = render(RType::Sshfp, "4 2 12xz").unwrap_err();
        assert_eq!(e.span, 6..7);
        let e = render(RType::A, "2001:db8::1").unwrap_err();
        assert!(e.help.unwrap().contains("AAAA"));
        let e = render(RType::A, "192.0.2.1 192.0.2.2").unwrap_err();
        assert_eq!(e.span, 10..19);
        let e = render(RType::Naptr, "1 1 \"U\" \"E2U+sip\" \"!^.*$!sip:x@y!\" sip").unwrap_err();
        assert!(e.message.contains("both"));
        let e = render(RType::Https, "0 . \"alpn=h2\"").unwrap_err();
        assert!(e.message.contains("alias mode"));
    }

    #[test]
    fn txt_over_255_bytes() {
        let long = "x".repeat(256);
        let e = render(RType::Txt, &format!("\"{long}\"")).unwrap_err();
        assert_eq!(e.code, "E0281");
        assert!(render(RType::Txt, &format!("\"{}\" \"{}\"", "x".repeat(255), "y")).is_ok());
    }

    #[test]
    fn host_references() {
        let t = terms("hosts.app.public_ip");
        let d = parse(RType::A, &t, &zone(), 0..19).unwrap();
        match d {
            Rdata::A(AValue::Host(h)) => {
                assert!(h.group);
                assert_eq!((h.name.as_str(), h.attribute, h.name_span), ("app", HostAttr::PublicIp, 6..9));
            }
            other => panic!("{other:?}"),
        }
        let e = render(RType::A, "host.db.privat_ip").unwrap_err();
        assert_eq!(e.fix.map(|f| f.1), Some("private_ip".to_string()));
    }
}
