//! Directives and resource records of a master file. TTL defaults follow BIND and
//! dnspython: `$TTL`, else the SOA's minimum when the SOA comes first, else the last TTL
//! written. `$INCLUDE` reads a file relative to the including one, with its own origin,
//! owner and TTLs restored afterwards (RFC 1035 §5.1).

use super::lexer::{self, Entry, Token};
use super::{data, ttl, Error, Location, Record, Skipped, Zone};
use crate::dns::name::{Name, NameUse};
use crate::dns::rtype::{self, RType};
use std::path::{Path, PathBuf};

/// Deepest `$INCLUDE` nesting, which also stops a file that includes itself.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads `path` from disk; `origin` is the zone's name (`--origin`).
pub fn read_file(path: &Path, origin: Option<&Name>) -> Result<Zone, Vec<Error>> {
    read(path, origin, &|p: &Path| std::fs::read(p))
}

/// Reads `path` through `load` (so tests can serve files from memory).
pub fn read(
    path: &Path,
    origin: Option<&Name>,
    load: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Zone, Vec<Error>> {
    let mut r = Reader { load, raw: Vec::new(), errors: Vec::new(), first_origin: None };
    let mut state = State { origin: origin.cloned(), last_owner: None, last_ttl: None, default_ttl: None };
    r.file(path, &mut state, 0, None);
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    let soa_owner = r.raw.iter().find(|x| matches!(x.kind, Kind::Soa)).map(|x| x.owner.clone());
    let apex = match origin.cloned().or(soa_owner).or(r.first_origin.clone()) {
        Some(a) => a,
        None => {
            let at = Location { file: path.to_path_buf(), line: 1 };
            return Err(vec![Error { at, message: "the zone's name is not known: pass --origin NAME".into() }]);
        }
    };
    let mut zone = Zone { origin: apex.clone(), records: Vec::new(), apex: Vec::new(), unsupported: Vec::new() };
    for x in r.raw {
        if !x.owner.is_within(&apex) {
            r.errors.push(Error { at: x.at, message: format!("`{}` is outside the zone `{apex}`", x.owner) });
            continue;
        }
        let owned = "Route53 creates and owns the apex SOA and NS records";
        match x.kind {
            Kind::Soa if x.owner == apex => {
                zone.apex.push(Skipped { owner: x.owner, rtype: "SOA".into(), why: owned.into(), at: x.at })
            }
            Kind::Soa => zone.unsupported.push(Skipped {
                owner: x.owner,
                rtype: "SOA".into(),
                why: "Route53 serves an SOA record only at the apex, its own".into(),
                at: x.at,
            }),
            Kind::Other { rtype, why } => zone.unsupported.push(Skipped { owner: x.owner, rtype, why, at: x.at }),
            Kind::Data(RType::Ns, _) if x.owner == apex => {
                zone.apex.push(Skipped { owner: x.owner, rtype: "NS".into(), why: owned.into(), at: x.at })
            }
            Kind::Data(rtype, data) => zone.records.push(Record { owner: x.owner, ttl: x.ttl, rtype, data, at: x.at }),
        }
    }
    if r.errors.is_empty() {
        Ok(zone)
    } else {
        Err(r.errors)
    }
}

#[derive(Clone)]
struct State {
    origin: Option<Name>,
    last_owner: Option<Name>,
    last_ttl: Option<u64>,
    default_ttl: Option<u64>,
}

enum Kind {
    Soa,
    Data(RType, crate::dns::rdata::Rdata),
    /// A record Route53 can't hold: its type as written, and why.
    Other {
        rtype: String,
        why: String,
    },
}

struct Raw {
    owner: Name,
    ttl: u64,
    kind: Kind,
    at: Location,
}

struct Reader<'a> {
    load: &'a dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
    raw: Vec<Raw>,
    errors: Vec<Error>,
    /// The first `$ORIGIN`, the zone's name when neither `--origin` nor an SOA tells it.
    first_origin: Option<Name>,
}

/// What the type column says.
enum TypeWord {
    Route53(RType),
    Soa,
    /// Any other type, upper case: one drove knows Route53 does not serve (`LOC`,
    /// `TYPE65534`), or a mnemonic drove does not know at all (`AMTRELAY`, `WALLET`):
    /// types are registered faster than any list is updated, and Route53 serves none of them.
    Other(String),
}

fn type_word(text: &str) -> Option<TypeWord> {
    let upper = text.to_ascii_uppercase();
    if let Some(t) = RType::parse(&upper) {
        return Some(TypeWord::Route53(t));
    }
    if upper == "SOA" {
        return Some(TypeWord::Soa);
    }
    if let Some(n) = upper.strip_prefix("TYPE").filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
        let n: u16 = n.parse().ok()?;
        return Some(match (n, data::rtype_by_number(n)) {
            (_, Some(t)) => TypeWord::Route53(t),
            (6, None) => TypeWord::Soa,
            _ => TypeWord::Other(upper),
        });
    }
    // An RFC 6895 mnemonic: a letter, then letters, digits and `-`. `TYPE70000` and
    // other misshapen words stay errors.
    let mnemonic = upper.starts_with(|c: char| c.is_ascii_alphabetic())
        && upper.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !upper.starts_with("TYPE");
    (mnemonic || rtype::is_known_unsupported(&upper)).then_some(TypeWord::Other(upper))
}

/// Why Route53 can't hold a record of type `t` (as written, upper case). Route53 serves
/// only types drove knows, so a type drove does not know is one it does not serve.
fn unsupported_why(t: &str) -> String {
    if rtype::is_known_unsupported(t) || t.starts_with("TYPE") {
        format!("Route53 does not serve {t} records")
    } else {
        format!("Route53 does not serve {t} records (a type drove does not know)")
    }
}

/// `Some(true)` for IN, `Some(false)` for another class, `None` when not a class.
fn class_word(text: &str) -> Option<bool> {
    match text.to_ascii_uppercase().as_str() {
        "IN" | "CLASS1" => Some(true),
        "CH" | "HS" | "CS" | "NONE" | "ANY" => Some(false),
        c => c.strip_prefix("CLASS").filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).map(|_| false),
    }
}

fn token_text(t: &Token) -> Result<&str, String> {
    match t.text() {
        Some(s) if !t.escaped => Ok(s),
        _ => Err(format!("`{}`: escaped characters in names are not supported", t.raw)),
    }
}

fn name(t: &Token, origin: Option<&Name>, usage: NameUse) -> Result<Name, String> {
    let text = token_text(t)?;
    Name::parse(text, origin, usage).map_err(|e| match e.kind {
        crate::dns::name::NameErrorKind::NotAbsolute => {
            format!("relative name `{text}` with no origin: add `$ORIGIN` or pass --origin")
        }
        _ => format!("`{text}`: {e}"),
    })
}

impl Reader<'_> {
    fn file(&mut self, path: &Path, state: &mut State, depth: usize, from: Option<&Location>) {
        let bytes = match (self.load)(path) {
            Ok(b) => b,
            Err(e) => {
                let at = from.cloned().unwrap_or(Location { file: path.to_path_buf(), line: 1 });
                self.errors.push(Error { at, message: format!("cannot read `{}`: {e}", path.display()) });
                return;
            }
        };
        let entries = match lexer::entries(&bytes) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(Error { at: Location { file: path.to_path_buf(), line: e.line }, message: e.message });
                return;
            }
        };
        for entry in entries {
            let at = Location { file: path.to_path_buf(), line: entry.line };
            if let Err(message) = self.entry(path, &entry, state, depth, &at) {
                self.errors.push(Error { at, message });
            }
        }
    }

    fn entry(&mut self, path: &Path, e: &Entry, state: &mut State, depth: usize, at: &Location) -> Result<(), String> {
        let Some(first) = e.tokens.first() else { return Ok(()) };
        if !e.blank_owner && !first.quoted && first.raw.starts_with('$') {
            return self.directive(path, e, state, depth, at);
        }
        let mut rest = &e.tokens[..];
        let owner = if e.blank_owner {
            state.last_owner.clone().ok_or("the first record has no owner name (the line starts with a blank)")?
        } else {
            rest = &rest[1..];
            name(first, state.origin.as_ref(), NameUse::Owner)?
        };
        state.last_owner = Some(owner.clone());
        let mut explicit_ttl = None;
        let mut class_seen = false;
        let (tw, data) = loop {
            let Some((t, after)) = rest.split_first() else {
                return Err("the record has no type".into());
            };
            rest = after;
            let text = token_text(t)?;
            match class_word(text) {
                Some(_) if class_seen => return Err(format!("`{text}`: the class is given twice")),
                Some(true) => class_seen = true,
                Some(false) => return Err(format!("class `{text}`: Route53 serves only IN")),
                None if text.starts_with(|c: char| c.is_ascii_digit()) => {
                    if explicit_ttl.is_some() {
                        return Err(format!("`{text}`: the TTL is given twice"));
                    }
                    explicit_ttl = Some(
                        ttl::parse(text).ok_or(format!("`{text}` is not a TTL (seconds, or units such as 1h30m)"))?,
                    );
                }
                None => match type_word(text).filter(|_| !t.quoted) {
                    Some(tw) => break (tw, rest),
                    None => return Err(format!("unknown record type `{text}`")),
                },
            }
        };
        // With no origin yet, an SOA's absolute owner is the zone's name (as BIND takes it).
        if state.origin.is_none() && matches!(tw, TypeWord::Soa) {
            state.origin = Some(owner.clone());
        }
        let origin =
            state.origin.clone().ok_or("the zone's origin is not known here: add `$ORIGIN` or pass --origin")?;
        let kind = match tw {
            TypeWord::Route53(t) => match data::parse(t, data, &origin) {
                Ok(d) => Kind::Data(t, d),
                // A well-formed CAA record with a tag Route53 does not take (`contactemail`)
                // is a record Route53 can't hold, not a malformed one: `--skip-unsupported`
                // leaves it out like a type Route53 does not serve.
                Err(m) => match data::caa_tag_not_in_route53(t, data) {
                    Some(tag) => Kind::Other {
                        rtype: "CAA".into(),
                        why: format!(
                            "Route53 takes no CAA tag `{tag}` (only {})",
                            crate::dns::rdata::CAA_TAGS.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                        ),
                    },
                    None => return Err(format!("{t} record: {m}")),
                },
            },
            TypeWord::Soa => {
                let minimum = soa_minimum(data)?;
                if state.default_ttl.is_none() {
                    if let Some(m) = minimum {
                        state.default_ttl = Some(m);
                        if explicit_ttl.is_none() {
                            explicit_ttl = Some(m);
                        }
                    }
                }
                Kind::Soa
            }
            TypeWord::Other(t) => {
                // Generic data is checked even for a type drove can't read, as BIND would.
                if data.first().is_some_and(|t| t.raw == "\\#") {
                    data::generic_bytes(data)?;
                }
                Kind::Other { why: unsupported_why(&t), rtype: t }
            }
        };
        let ttl = match explicit_ttl {
            Some(t) => {
                state.last_ttl = Some(t);
                t
            }
            None => {
                state.default_ttl.or(state.last_ttl).ok_or("the record has no TTL and there is no `$TTL` before it")?
            }
        };
        self.raw.push(Raw { owner, ttl, kind, at: at.clone() });
        Ok(())
    }

    fn directive(
        &mut self,
        path: &Path,
        e: &Entry,
        state: &mut State,
        depth: usize,
        at: &Location,
    ) -> Result<(), String> {
        let word = e.tokens.first().map(|t| t.raw.to_ascii_uppercase()).unwrap_or_default();
        let args = e.tokens.get(1..).unwrap_or(&[]);
        let arity = |max: usize, form: &str| -> Result<(), String> {
            if args.is_empty() || args.len() > max {
                return Err(format!("`{word}` takes {form}"));
            }
            Ok(())
        };
        match word.as_str() {
            "$ORIGIN" => {
                arity(1, "one name: `$ORIGIN example.com.`")?;
                let o = name(&args[0], state.origin.as_ref(), NameUse::Target)?;
                self.first_origin.get_or_insert(o.clone());
                state.origin = Some(o);
            }
            "$TTL" => {
                arity(1, "one TTL: `$TTL 1h`")?;
                let text = token_text(&args[0])?;
                state.default_ttl =
                    Some(ttl::parse(text).ok_or(format!("`{text}` is not a TTL (seconds, or units such as 1h30m)"))?);
            }
            "$INCLUDE" => {
                arity(2, "a file and an optional origin: `$INCLUDE hosts.db example.com.`")?;
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(format!(
                        "`$INCLUDE` nested more than {MAX_INCLUDE_DEPTH} deep (does a file include itself?)"
                    ));
                }
                let file = args[0].text().ok_or("the file name of `$INCLUDE` is not UTF-8")?;
                let target: PathBuf = path.parent().map(|d| d.join(file)).unwrap_or_else(|| PathBuf::from(file));
                let mut inner = state.clone();
                if let Some(o) = args.get(1) {
                    inner.origin = Some(name(o, state.origin.as_ref(), NameUse::Target)?);
                }
                self.file(&target, &mut inner, depth + 1, Some(at));
            }
            "$GENERATE" => {
                return Err(
                    "`$GENERATE` is not supported: expand the range into records (e.g. with `named-compilezone`)"
                        .into(),
                )
            }
            _ => return Err(format!("unknown directive `{}`", e.tokens.first().map(|t| t.raw.as_str()).unwrap_or(""))),
        }
        Ok(())
    }
}

/// Checks an SOA's fields and returns its minimum (None for generic data).
fn soa_minimum(data: &[Token]) -> Result<Option<u64>, String> {
    if data.first().is_some_and(|t| t.raw == "\\#") {
        data::generic_bytes(data)?;
        return Ok(None);
    }
    if data.len() != 7 {
        return Err(format!(
            "SOA record: expected 7 fields (mname rname serial refresh retry expire minimum), found {}",
            data.len()
        ));
    }
    // The two names may hold escapes (`Action\\.domains`); the SOA is left out, so they are
    // only counted.
    let serial = token_text(&data[2])?;
    if serial.parse::<u32>().is_err() {
        return Err(format!("SOA record: the serial `{serial}` is not a 32-bit number"));
    }
    let mut last = 0;
    for t in &data[3..] {
        let text = token_text(t)?;
        last = ttl::parse(text).ok_or(format!("SOA record: `{text}` is not a time (seconds, or units such as 1h)"))?;
    }
    Ok(Some(last))
}
