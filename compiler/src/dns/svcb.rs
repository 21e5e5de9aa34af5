//! SvcParams of HTTPS and SVCB records (RFC 9460 §7, `dohpath` of RFC 9461, `ohttp` of
//! RFC 9540), written in drove as one or more strings of `key=value` pairs in the
//! presentation format: `1 . "alpn=h2,h3 port=443"`.
//!
//! A value is a character-string (quoted or not, with `\X` and `\DDD` escapes); the
//! comma-separated lists (`alpn`, `mandatory`, the hints) are then split on commas not
//! escaped by a backslash (RFC 9460 Appendix A.1), so `alpn="h2,h3\\,x"` holds the two ids
//! `h2` and `h3,x`. Values are kept decoded and written back in one canonical form.

use super::rdata::FieldError;
use crate::syntax::cst::Str;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SvcParams {
    /// By key number, which is also the order of the wire format.
    params: BTreeMap<u16, ParamValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamValue {
    /// `no-default-alpn`, `ohttp`: present or not, no value.
    Flag,
    Keys(Vec<u16>),
    /// Protocol ids are octet strings: a `,` or `\` inside one is legal.
    Alpn(Vec<Vec<u8>>),
    Port(u16),
    V4(Vec<Ipv4Addr>),
    V6(Vec<Ipv6Addr>),
    Ech(String),
    /// A relative URI template holding the `dns` variable (RFC 9461 §5).
    DohPath(String),
    /// A key drove has no rule for (`keyNNNNN`): its octets as given.
    Opaque(Vec<u8>),
}

/// The registered keys, by number (IANA "Service Parameter Keys (SvcParamKeys)").
const NAMES: [&str; 9] =
    ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath", "ohttp"];
const ALPN: u16 = 1;
const NO_DEFAULT_ALPN: u16 = 2;
const OHTTP: u16 = 8;

const HELP: &str = "parameters are `mandatory`, `alpn`, `no-default-alpn`, `port`, `ipv4hint`, `ech`, `ipv6hint`, `dohpath`, `ohttp` or `keyNNNNN`, e.g. \"alpn=h2,h3 port=443\"";

fn key_number(key: &str) -> Option<u16> {
    if let Some(i) = NAMES.iter().position(|n| *n == key) {
        return Some(i as u16);
    }
    let digits = key.strip_prefix("key")?;
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|n| *n != 65535)
}

/// Keys above this are written `keyNNNNN`: `dohpath` and `ohttp` came after RFC 9460, and
/// a reader that predates them (BIND 9.18's `ohttp`, perhaps Route53) refuses the name
/// but must read the generic form, which means the same.
const LAST_NAMED_IN_OUTPUT: u16 = 6;

fn key_name(n: u16) -> String {
    match NAMES.get(n as usize) {
        Some(name) if n <= LAST_NAMED_IN_OUTPUT => name.to_string(),
        _ => format!("key{n}"),
    }
}

/// A character-string in presentation format: quoted, `"` and `\` escaped, bytes outside
/// printable ASCII as `\DDD` (what Route53 takes and dnspython writes).
fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
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

/// Items joined with `,`, a `,` or `\` inside an item escaped (RFC 9460 Appendix A.1).
fn join_list(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        for &b in item {
            if b == b',' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
    }
    out
}

/// The inverse of [`join_list`]; `None` for a trailing lone `\`.
fn split_list(value: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut items = vec![Vec::new()];
    let mut bytes = value.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'\\' => items.last_mut()?.push(*bytes.next()?),
            b',' => items.push(Vec::new()),
            _ => items.last_mut()?.push(b),
        }
    }
    Some(items)
}

impl SvcParams {
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// `key="value" …` in key order; values are quoted so commas and spaces survive.
    pub fn presentation(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in &self.params {
            let text = |items: Vec<String>| Some(quote_bytes(items.join(",").as_bytes()));
            let value = match v {
                ParamValue::Flag => None,
                ParamValue::Opaque(b) if b.is_empty() => None,
                ParamValue::Keys(keys) => text(keys.iter().map(|k| key_name(*k)).collect()),
                ParamValue::Alpn(ids) => Some(quote_bytes(&join_list(ids))),
                ParamValue::Port(p) => text(vec![p.to_string()]),
                ParamValue::V4(a) => text(a.iter().map(|a| a.to_string()).collect()),
                ParamValue::V6(a) => text(a.iter().map(|a| a.to_string()).collect()),
                ParamValue::Ech(s) | ParamValue::DohPath(s) => Some(quote_bytes(s.as_bytes())),
                ParamValue::Opaque(b) => Some(quote_bytes(b)),
            };
            match value {
                None => parts.push(key_name(*k)),
                Some(v) => parts.push(format!("{}={v}", key_name(*k))),
            }
        }
        parts.join(" ")
    }
}

/// Narrows an error to `range` of a string's value when the string has no escapes (so
/// value offsets are source offsets); otherwise points at the whole string.
fn at(s: &Str, range: std::ops::Range<usize>, message: String) -> FieldError {
    let plain = s.span.len() == s.value.len() + 2;
    let span = if plain { s.span.start + 1 + range.start..s.span.start + 1 + range.end } else { s.span.clone() };
    FieldError { code: "E0272", span, message, help: Some(HELP.into()), fix: None }
}

/// One `key[=value]` of the presentation format, its value decoded from a character-string.
struct Item<'t> {
    key: &'t str,
    value: Option<Vec<u8>>,
    /// The whole item and its key, as offsets in the string.
    range: std::ops::Range<usize>,
    key_range: std::ops::Range<usize>,
}

/// Splits the presentation format into items: blanks separate them, except inside a
/// quoted value.
fn items(text: &str) -> Result<Vec<Item<'_>>, (std::ops::Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let key_range = start..i;
        let key = &text[key_range.clone()];
        let mut value = None;
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            let quoted = bytes.get(i) == Some(&b'"');
            if quoted {
                i += 1;
            }
            let mut v = Vec::new();
            let mut closed = !quoted;
            while i < bytes.len() {
                let b = bytes[i];
                if quoted && b == b'"' {
                    i += 1;
                    closed = true;
                    break;
                }
                if !quoted && b.is_ascii_whitespace() {
                    break;
                }
                i += 1;
                if b != b'\\' {
                    v.push(b);
                    continue;
                }
                // `\DDD` is the byte of that decimal value, `\X` the character X.
                let digits = bytes.get(i..i + 3).filter(|d| d.iter().all(u8::is_ascii_digit));
                match (digits, bytes.get(i)) {
                    (Some(d), _) => {
                        let n = d.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
                        let n =
                            u8::try_from(n).map_err(|_| (start..i + 3, format!("`\\{n}` is not a byte (0–255)")))?;
                        v.push(n);
                        i += 3;
                    }
                    (None, Some(c)) if !c.is_ascii_digit() => {
                        v.push(*c);
                        i += 1;
                    }
                    _ => return Err((start..i, "a `\\` is followed by a character or three decimal digits".into())),
                }
            }
            if !closed {
                return Err((start..i, format!("the value of `{key}` has no closing `\"`")));
            }
            if i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                return Err((start..i, format!("a blank must follow the quoted value of `{key}`")));
            }
            value = Some(v);
        }
        out.push(Item { key, value, range: start..i, key_range });
    }
    Ok(out)
}

/// Whether a URI template has the `dns` variable in one of its expressions (RFC 6570 §2.2).
fn has_dns_variable(template: &str) -> bool {
    template.split('{').skip(1).filter_map(|e| e.split_once('}')).any(|(expr, _)| {
        let vars = expr.trim_start_matches(['+', '#', '.', '/', ';', '?', '&']);
        vars.split(',').any(|v| v.trim_end_matches('*').split(':').next() == Some("dns"))
    })
}

pub fn parse(strings: &[&Str]) -> Result<SvcParams, FieldError> {
    let mut params = BTreeMap::new();
    let mut mandatory_at = None;
    for s in strings {
        for item in items(&s.value).map_err(|(range, m)| at(s, range, m))? {
            let Item { key, value, range, key_range } = item;
            let Some(num) = key_number(key) else {
                let mut e = at(s, key_range.clone(), format!("unknown SVCB parameter `{key}`"));
                if let Some(d) = crate::diag::did_you_mean(key, NAMES) {
                    e.help = Some(format!("did you mean `{d}`?"));
                }
                return Err(e);
            };
            if params.contains_key(&num) {
                return Err(at(s, key_range, format!("parameter `{key}` is given twice")));
            }
            let bad = |what: &str| at(s, range.clone(), format!("parameter `{key}`: expected {what}"));
            let need = |what: &str| value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| bad(what));
            // A value that must be text (numbers, addresses, base64, a URI template).
            let text = |what: &str| need(what).and_then(|v| std::str::from_utf8(v).map_err(|_| bad(what)));
            let pv = match num {
                0 => {
                    let mut keys = Vec::new();
                    for k in text("a list of parameter names")?.split(',') {
                        match key_number(k) {
                            Some(0) | None => return Err(bad("a list of parameter names other than `mandatory`")),
                            Some(n) if keys.contains(&n) => return Err(bad("each parameter named once")),
                            Some(n) => keys.push(n),
                        }
                    }
                    keys.sort_unstable();
                    mandatory_at = Some((*s, range.clone()));
                    ParamValue::Keys(keys)
                }
                ALPN => {
                    let ids = split_list(need("protocol ids such as `h2,h3`")?)
                        .filter(|ids| ids.iter().all(|i| !i.is_empty() && i.len() <= 255))
                        .ok_or_else(|| bad("non-empty protocol ids separated by `,` such as `h2,h3`"))?;
                    ParamValue::Alpn(ids)
                }
                NO_DEFAULT_ALPN | OHTTP => match value.as_deref() {
                    None | Some([]) => ParamValue::Flag,
                    Some(_) => return Err(bad(&format!("no value (`{key}` is a flag)"))),
                },
                3 => ParamValue::Port(text("a port 0–65535")?.parse().map_err(|_| bad("a port 0–65535"))?),
                4 => ParamValue::V4(
                    text("IPv4 addresses separated by `,`")?
                        .split(',')
                        .map(|a| a.parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad("IPv4 addresses separated by `,`"))?,
                ),
                5 => {
                    let v = text("a base64 ECHConfigList")?;
                    // An ECHConfigList starts with its own length (RFC 9849 §4).
                    let bytes = base64::engine::general_purpose::STANDARD.decode(v).unwrap_or_default();
                    match bytes.as_slice() {
                        [hi, lo, rest @ ..]
                            if !rest.is_empty() && usize::from(*hi) << 8 | usize::from(*lo) == rest.len() => {}
                        _ => return Err(bad("a base64 ECHConfigList")),
                    }
                    ParamValue::Ech(v.to_string())
                }
                6 => ParamValue::V6(
                    text("IPv6 addresses separated by `,`")?
                        .split(',')
                        .map(|a| a.parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad("IPv6 addresses separated by `,`"))?,
                ),
                7 => {
                    const WHAT: &str = "a relative URI template with the `dns` variable, such as `/dns-query{?dns}`";
                    let t = text(WHAT)?;
                    if !t.starts_with('/') || !has_dns_variable(t) {
                        return Err(bad(WHAT));
                    }
                    ParamValue::DohPath(t.to_string())
                }
                _ => ParamValue::Opaque(value.unwrap_or_default()),
            };
            params.insert(num, pv);
        }
    }
    if params.contains_key(&NO_DEFAULT_ALPN) && !params.contains_key(&ALPN) {
        let s = strings.first().copied();
        if let Some(s) = s {
            return Err(at(s, 0..s.value.len(), "`no-default-alpn` needs an `alpn` parameter".into()));
        }
    }
    if let (Some((s, range)), Some(ParamValue::Keys(keys))) = (mandatory_at, params.get(&0)) {
        if let Some(missing) = keys.iter().find(|k| !params.contains_key(k)) {
            return Err(at(s, range, format!("`mandatory` names `{}`, which is not given", key_name(*missing))));
        }
    }
    Ok(SvcParams { params })
}

/// The SvcParams of RFC 3597 generic data (the wire form, RFC 9460 §2.2) in the
/// presentation format, for [`parse`] to check like any other; `None` when there are none.
pub fn wire_presentation(mut bytes: &[u8]) -> Result<Option<String>, String> {
    let mut params = BTreeMap::new();
    let mut last = None;
    while !bytes.is_empty() {
        let (key, len, rest) = match bytes {
            [k0, k1, l0, l1, rest @ ..] => {
                (u16::from_be_bytes([*k0, *k1]), usize::from(u16::from_be_bytes([*l0, *l1])), rest)
            }
            _ => return Err("a parameter's key and length are cut short".into()),
        };
        let v = rest.get(..len).ok_or_else(|| format!("parameter `{}` is cut short", key_name(key)))?;
        bytes = &rest[len..];
        if last.is_some_and(|l| l >= key) {
            return Err(format!("parameter `{}` is out of order (keys ascend on the wire)", key_name(key)));
        }
        last = Some(key);
        let bad = || format!("parameter `{}` is malformed", key_name(key));
        let pv = match key {
            0 => ParamValue::Keys(
                v.chunks(2)
                    .map(|c| <[u8; 2]>::try_from(c).map(u16::from_be_bytes))
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad())?,
            ),
            ALPN => {
                let mut ids = Vec::new();
                let mut rest = v;
                while let [n, tail @ ..] = rest {
                    let id = tail.get(..usize::from(*n)).ok_or_else(bad)?;
                    ids.push(id.to_vec());
                    rest = &tail[id.len()..];
                }
                ParamValue::Alpn(ids)
            }
            3 => ParamValue::Port(u16::from_be_bytes(<[u8; 2]>::try_from(v).map_err(|_| bad())?)),
            4 if !v.is_empty() && v.len().is_multiple_of(4) => {
                ParamValue::V4(v.chunks(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect())
            }
            5 => ParamValue::Ech(base64::engine::general_purpose::STANDARD.encode(v)),
            6 if !v.is_empty() && v.len().is_multiple_of(16) => ParamValue::V6(
                v.chunks(16)
                    .map(|c| {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(c);
                        Ipv6Addr::from(a)
                    })
                    .collect(),
            ),
            4 | 6 => return Err(bad()),
            7 => ParamValue::DohPath(String::from_utf8(v.to_vec()).map_err(|_| bad())?),
            NO_DEFAULT_ALPN | OHTTP if v.is_empty() => ParamValue::Flag,
            NO_DEFAULT_ALPN | OHTTP => return Err(bad()),
            _ => ParamValue::Opaque(v.to_vec()),
        };
        params.insert(key, pv);
    }
    let p = SvcParams { params };
    Ok((!p.is_empty()).then(|| p.presentation()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Str {
        Str { value: text.into(), triple: false, span: 10..10 + text.len() + 2 }
    }

    fn render(text: &str) -> Result<String, FieldError> {
        let st = s(text);
        parse(&[&st]).map(|p| p.presentation())
    }

    #[test]
    fn renders_in_key_order_with_quoted_values() {
        assert_eq!(
            render("port=8443 alpn=h2,h3 ipv6hint=2001:db8::1 mandatory=port,alpn").unwrap(),
            "mandatory=\"alpn,port\" alpn=\"h2,h3\" port=\"8443\" ipv6hint=\"2001:db8::1\""
        );
        assert_eq!(render("alpn=\"h3\" no-default-alpn key9=x").unwrap(), "alpn=\"h3\" no-default-alpn key9=\"x\"");
        assert_eq!(render("ech=AAj+DQAEAQIDBA==").unwrap(), "ech=\"AAj+DQAEAQIDBA==\"");
    }

    #[test]
    fn alpn_escapes_of_rfc_9460() {
        // An escaped comma is part of an id; `\\` in the string is one `\` of the value.
        assert_eq!(render(r#"alpn="h2,h3\\,x""#).unwrap(), r#"alpn="h2,h3\\,x""#);
        assert_eq!(render(r"alpn=h2,h3\\,x").unwrap(), r#"alpn="h2,h3\\,x""#);
        // Decimal escapes: `\050` is `2`, `\044` a comma that separates (it is not `\,`).
        assert_eq!(render(r"alpn=h\050").unwrap(), r#"alpn="h2""#);
        assert_eq!(render(r"alpn=h2\044h3").unwrap(), r#"alpn="h2,h3""#);
        // RFC 9460 Appendix D, figure 10: the ids `f\oo,bar` and `h2`, written two ways.
        let want = r#"alpn="f\\\\oo\\,bar,h2""#;
        assert_eq!(render(r#"alpn="f\\\\oo\\,bar,h2""#).unwrap(), want);
        assert_eq!(render(r"alpn=f\\\092oo\092,bar,h2").unwrap(), want);
        // A quoted value may hold blanks; bytes outside printable ASCII come back as `\DDD`.
        assert_eq!(render(r#"alpn="a b,c\255""#).unwrap(), r#"alpn="a b,c\255""#);
        assert!(render(r"alpn=h2,").is_err());
        assert!(render(r"alpn=h2\\").is_err());
        assert!(render(r#"alpn="h2"#).unwrap_err().message.contains("closing"));
        assert!(render(r"alpn=h\256").unwrap_err().message.contains("not a byte"));
    }

    #[test]
    fn dohpath_and_ohttp() {
        assert_eq!(
            render("alpn=h2 dohpath=/dns-query{?dns} ohttp").unwrap(),
            "alpn=\"h2\" key7=\"/dns-query{?dns}\" key8"
        );
        // The generic names are the same keys, with the same rules.
        assert_eq!(render("key7=/q{?dns} key8").unwrap(), "key7=\"/q{?dns}\" key8");
        assert_eq!(render("dohpath=\"/q{?x,dns}\"").unwrap(), "key7=\"/q{?x,dns}\"");
        assert!(render("key7=/q").unwrap_err().message.contains("`dns` variable"));
        assert!(render("dohpath=/dns-query").unwrap_err().message.contains("`dns` variable"));
        assert!(render("dohpath=dns-query{?dns}").is_err());
        assert!(render("ohttp=1").unwrap_err().message.contains("flag"));
        assert_eq!(render("ohttp=\"\"").unwrap(), "key8");
    }

    #[test]
    fn errors_point_into_the_string() {
        let e = render("alpn=h2 prot=443").unwrap_err();
        assert_eq!(e.span, 19..23);
        assert_eq!(e.help.as_deref(), Some("did you mean `port`?"));
        assert!(render("port=70000").is_err());
        assert!(render("ipv4hint=1.2.3").is_err());
        assert!(render("alpn=h2 alpn=h3").unwrap_err().message.contains("twice"));
        assert!(render("no-default-alpn").unwrap_err().message.contains("needs an `alpn`"));
        assert!(render("mandatory=port alpn=h2").unwrap_err().message.contains("not given"));
        assert!(render("ech=!!").is_err());
        assert!(render("ech=AAn+DQAEAQIDBA==").is_err());
        assert!(render("key65535=x").is_err());
    }

    #[test]
    fn wire_form() {
        // alpn ["h2", "h3,x"], port 443, dohpath, ohttp.
        let mut w = vec![0, 1, 0, 8, 2, b'h', b'2', 4, b'h', b'3', b',', b'x', 0, 3, 0, 2, 1, 187, 0, 7, 0, 8];
        w.extend(b"/q{?dns}");
        w.extend([0, 8, 0, 0]);
        assert_eq!(
            wire_presentation(&w).unwrap().as_deref(),
            Some(r#"alpn="h2,h3\\,x" port="443" key7="/q{?dns}" key8"#)
        );
        assert!(wire_presentation(&[0, 3, 0, 2, 1, 187, 0, 1, 0, 3, 2, b'h', b'2']).unwrap_err().contains("order"));
        assert!(wire_presentation(&[0, 7, 0, 8, b'/']).unwrap_err().contains("cut short"));
        assert!(wire_presentation(&[0, 8, 0, 1, 0]).unwrap_err().contains("malformed"));
        assert_eq!(wire_presentation(&[]).unwrap(), None);
    }
}
