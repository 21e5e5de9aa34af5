//! SvcParams of HTTPS and SVCB records (RFC 9460 §7), written in drove as one or more
//! strings of `key=value` pairs: `1 . "alpn=h2,h3 port=443"`.

// A FieldError (message, help, fix) is built only on the error path, once per bad
// value, so its size is not worth boxing.
#![allow(clippy::result_large_err)]

use super::rdata::{quote, FieldError};
use crate::syntax::cst::Str;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SvcParams {
    /// By key number, which is also the order of the wire format.
    params: BTreeMap<u16, ParamValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamValue {
    Flag,
    Keys(Vec<u16>),
    Alpn(Vec<String>),
    Port(u16),
    V4(Vec<Ipv4Addr>),
    V6(Vec<Ipv6Addr>),
    Ech(String),
    Opaque(String),
}

const NAMES: [&str; 7] = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"];

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

fn key_name(n: u16) -> String {
    NAMES.get(n as usize).map(|s| s.to_string()).unwrap_or_else(|| format!("key{n}"))
}

impl SvcParams {
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// `key="value" …` in key order; values are quoted so commas and spaces survive.
    pub fn presentation(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in &self.params {
            let value = match v {
                ParamValue::Flag => None,
                ParamValue::Keys(keys) => Some(keys.iter().map(|k| key_name(*k)).collect::<Vec<_>>().join(",")),
                ParamValue::Alpn(ids) => Some(ids.join(",")),
                ParamValue::Port(p) => Some(p.to_string()),
                ParamValue::V4(a) => Some(a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")),
                ParamValue::V6(a) => Some(a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")),
                ParamValue::Ech(s) | ParamValue::Opaque(s) => Some(s.clone()),
            };
            match value {
                None => parts.push(key_name(*k)),
                Some(v) => parts.push(format!("{}={}", key_name(*k), quote(&v))),
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
    FieldError {
        code: "E0272",
        span,
        message,
        help: Some(
            "parameters are `mandatory`, `alpn`, `no-default-alpn`, `port`, `ipv4hint`, `ech`, `ipv6hint` or `keyNNNNN`, e.g. \"alpn=h2,h3 port=443\"".into(),
        ),
        fix: None,
    }
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',')
}

pub fn parse(strings: &[&Str]) -> Result<SvcParams, FieldError> {
    let mut params = BTreeMap::new();
    let mut mandatory_at = None;
    for s in strings {
        let text = s.value.as_str();
        let mut offset = 0;
        for token in text.split(|c: char| c.is_ascii_whitespace()) {
            let start = offset;
            offset += token.len() + 1;
            if token.is_empty() {
                continue;
            }
            let range = start..start + token.len();
            let (key, value) = match token.split_once('=') {
                Some((k, v)) => (k, Some(v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v))),
                None => (token, None),
            };
            let key_range = start..start + key.len();
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
            let need = |what: &str| value.filter(|v| !v.is_empty()).ok_or_else(|| bad(what));
            let pv = match num {
                0 => {
                    let mut keys = Vec::new();
                    for k in list(need("a list of parameter names")?) {
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
                1 => {
                    let ids: Vec<String> = list(need("protocol ids such as `h2,h3`")?).map(str::to_string).collect();
                    if ids.iter().any(|i| i.is_empty() || i.len() > 255 || i.contains('\\')) {
                        return Err(bad("non-empty protocol ids separated by `,` such as `h2,h3`"));
                    }
                    ParamValue::Alpn(ids)
                }
                2 => match value {
                    None => ParamValue::Flag,
                    Some(_) => return Err(bad("no value (`no-default-alpn` is a flag)")),
                },
                3 => ParamValue::Port(need("a port 0–65535")?.parse().map_err(|_| bad("a port 0–65535"))?),
                4 => ParamValue::V4(
                    list(need("IPv4 addresses separated by `,`")?)
                        .map(|a| a.parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad("IPv4 addresses separated by `,`"))?,
                ),
                5 => {
                    let v = need("a base64 ECHConfigList")?;
                    // An ECHConfigList starts with its own length (RFC 9849 §4).
                    let bytes = base64::engine::general_purpose::STANDARD.decode(v).unwrap_or_default();
                    match bytes.as_slice() {
                        [hi, lo, rest @ ..] if !rest.is_empty() && usize::from(*hi) << 8 | usize::from(*lo) == rest.len() => {}
                        _ => return Err(bad("a base64 ECHConfigList")),
                    }
                    ParamValue::Ech(v.to_string())
                }
                6 => ParamValue::V6(
                    list(need("IPv6 addresses separated by `,`")?)
                        .map(|a| a.parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad("IPv6 addresses separated by `,`"))?,
                ),
                _ => match value {
                    None => ParamValue::Flag,
                    Some(v) => ParamValue::Opaque(v.to_string()),
                },
            };
            params.insert(num, pv);
        }
    }
    if params.contains_key(&2) && !params.contains_key(&1) {
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
        assert_eq!(render("alpn=\"h3\" no-default-alpn key7=x").unwrap(), "alpn=\"h3\" no-default-alpn key7=\"x\"");
        assert_eq!(render("ech=AAj+DQAEAQIDBA==").unwrap(), "ech=\"AAj+DQAEAQIDBA==\"");
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
}
