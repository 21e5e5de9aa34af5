//! DNS names as drove writes them: relative to the zone (`www`, `_sip._tcp`), the apex
//! `@`, or absolute with a trailing dot (`mx1.acme.example.`). Names are kept lower-case
//! and absolute so that comparisons and the compiled output agree with what Route53 returns.

use compact_str::CompactString;
use std::fmt;
use std::ops::Range;

/// Longest label, in bytes (RFC 1035 §2.3.4).
pub const MAX_LABEL: usize = 63;
/// Longest name in presentation form without the trailing dot; 255 bytes on the wire.
pub const MAX_NAME: usize = 253;

/// An absolute, lower-case DNS name, kept as its labels joined by dots without the
/// trailing dot (the root is empty). One string, not a vector of labels: a zone holds
/// tens of thousands of names, and they are hashed and compared in every check. The
/// string is held inline up to 24 bytes (most names of a zone), so those are no
/// allocation of their own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    text: CompactString,
}

/// Where a name appears decides what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameUse {
    /// The owner of a record: `*` allowed as the leftmost label, `@` is the apex.
    Owner,
    /// A name inside record data (CNAME target, MX exchange…): no wildcard; `.` is the root.
    Target,
    /// A zone's own name: absolute, no wildcard.
    Zone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameErrorKind {
    Empty,
    EmptyLabel,
    BadChar(char),
    WildcardNotLeftmost,
    WildcardNotAllowed,
    LabelTooLong(usize),
    NameTooLong(usize),
    /// A relative name where there is no zone to complete it.
    NotAbsolute,
}

/// What is wrong with a name and which bytes of the written text are at fault, so a
/// diagnostic can point at the one bad label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub kind: NameErrorKind,
    pub range: Range<usize>,
}

impl NameError {
    /// E0274 for lengths, E0273 for the rest.
    pub fn code(&self) -> &'static str {
        match self.kind {
            NameErrorKind::LabelTooLong(_) | NameErrorKind::NameTooLong(_) => "E0274",
            _ => "E0273",
        }
    }

    pub fn help(&self) -> Option<String> {
        match &self.kind {
            NameErrorKind::BadChar(_) => {
                Some("DNS labels hold letters, digits, `-` and `_` (service labels such as `_sip._tcp`)".into())
            }
            NameErrorKind::WildcardNotLeftmost => Some("a wildcard is a whole label on the left: `*.cdn`".into()),
            NameErrorKind::NotAbsolute => Some("write the name absolute, with a trailing dot".into()),
            NameErrorKind::EmptyLabel => Some("remove the doubled or leading dot".into()),
            NameErrorKind::LabelTooLong(_) => Some(format!("a label holds at most {MAX_LABEL} bytes")),
            NameErrorKind::NameTooLong(_) => Some(format!("a name holds at most {MAX_NAME} bytes (255 on the wire)")),
            _ => None,
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            NameErrorKind::Empty => write!(f, "empty DNS name"),
            NameErrorKind::EmptyLabel => write!(f, "empty label in DNS name"),
            NameErrorKind::BadChar(c) => write!(f, "`{}` is not allowed in a DNS name", c.escape_debug()),
            NameErrorKind::WildcardNotLeftmost => write!(f, "`*` is allowed only as the leftmost label"),
            NameErrorKind::WildcardNotAllowed => write!(f, "a wildcard is not allowed here"),
            NameErrorKind::LabelTooLong(n) => write!(f, "label is {n} bytes long, over the limit of {MAX_LABEL}"),
            NameErrorKind::NameTooLong(n) => write!(f, "name is {n} bytes long, over the limit of {MAX_NAME}"),
            NameErrorKind::NotAbsolute => write!(f, "the name must be absolute (end with `.`)"),
        }
    }
}

/// Checks each label of `body` (a name without its trailing dot) in one pass over its
/// bytes, reporting the first bad label with the byte range at fault.
fn check_labels(body: &str, usage: NameUse) -> Result<(), NameError> {
    let bytes = body.as_bytes();
    let mut start = 0;
    let mut index = 0;
    loop {
        let mut end = start;
        let mut bad = None;
        while let Some(&b) = bytes.get(end) {
            match LABEL_BYTES[b as usize] {
                Byte::Label => {}
                Byte::Dot => break,
                Byte::Other => {
                    if bad.is_none() {
                        bad = Some(end);
                    }
                }
            }
            end += 1;
        }
        let range = start..end;
        let label = &body[range.clone()];
        if label.is_empty() {
            return Err(NameError { kind: NameErrorKind::EmptyLabel, range: start..start + 1 });
        }
        if label == "*" {
            if usage != NameUse::Owner {
                return Err(NameError { kind: NameErrorKind::WildcardNotAllowed, range });
            }
            if index != 0 {
                return Err(NameError { kind: NameErrorKind::WildcardNotLeftmost, range });
            }
        } else if let Some(at) = bad {
            // The first byte that is not allowed starts a character (any byte of a
            // multi-byte character is not allowed, its first one included).
            let c = body[at..].chars().next().unwrap_or('?');
            let kind = if c == '*' { NameErrorKind::WildcardNotLeftmost } else { NameErrorKind::BadChar(c) };
            return Err(NameError { kind, range: at..at + c.len_utf8() });
        }
        if label.len() > MAX_LABEL {
            return Err(NameError { kind: NameErrorKind::LabelTooLong(label.len()), range });
        }
        if end == bytes.len() {
            return Ok(());
        }
        start = end + 1;
        index += 1;
    }
}

#[derive(Clone, Copy)]
enum Byte {
    /// A letter, a digit, `-` or `_`.
    Label,
    Dot,
    Other,
}

/// What each byte is in a name: one table lookup per byte in `check_labels`.
static LABEL_BYTES: [Byte; 256] = {
    let mut t = [Byte::Other; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            t[b] = Byte::Label;
        }
        b += 1;
    }
    t[b'.' as usize] = Byte::Dot;
    t
};

impl Name {
    pub fn root() -> Name {
        Name { text: CompactString::const_new("") }
    }

    /// Parses `text`; relative names (and `@`) are completed with `origin`.
    pub fn parse(text: &str, origin: Option<&Name>, usage: NameUse) -> Result<Name, NameError> {
        let whole = 0..text.len();
        if text.is_empty() {
            return Err(NameError { kind: NameErrorKind::Empty, range: whole });
        }
        if text == "@" && usage != NameUse::Zone {
            return origin.cloned().ok_or(NameError { kind: NameErrorKind::NotAbsolute, range: whole });
        }
        if text == "." {
            return match usage {
                NameUse::Target => Ok(Name::root()),
                _ => Err(NameError { kind: NameErrorKind::Empty, range: whole }),
            };
        }
        let absolute = text.ends_with('.');
        let body = if absolute { &text[..text.len() - 1] } else { text };
        check_labels(body, usage)?;
        let suffix = match origin {
            Some(o) if !absolute && !o.text.is_empty() => o.text.len() + 1,
            Some(_) => 0,
            None if absolute => 0,
            None => return Err(NameError { kind: NameErrorKind::NotAbsolute, range: whole }),
        };
        let len = body.len() + suffix;
        if len > MAX_NAME {
            return Err(NameError { kind: NameErrorKind::NameTooLong(len), range: whole });
        }
        // Put together on the stack, then stored once: names up to 24 bytes inline (no
        // allocation), longer ones in one allocation of their length. This runs for every
        // owner and target of a zone.
        let mut buf = [0u8; MAX_NAME];
        let (lower, rest) = buf.split_at_mut(body.len());
        lower.copy_from_slice(body.as_bytes());
        lower.make_ascii_lowercase();
        if let (Some(o), Some((dot, tail))) = (origin.filter(|_| suffix > 0), rest.split_first_mut()) {
            *dot = b'.';
            tail[..o.text.len()].copy_from_slice(o.text.as_bytes());
        }
        // Only ASCII was let through above, so this never fails.
        let text = std::str::from_utf8(&buf[..len]).map_err(|e| NameError {
            kind: NameErrorKind::BadChar('?'),
            range: e.valid_up_to()..e.valid_up_to() + 1,
        })?;
        Ok(Name { text: CompactString::new(text) })
    }

    /// Length in presentation form without the trailing dot.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The name without its trailing dot (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_root(&self) -> bool {
        self.text.is_empty()
    }

    pub fn is_wildcard(&self) -> bool {
        &*self.text == "*" || self.text.starts_with("*.")
    }

    /// Whether `self` is `zone` or below it.
    pub fn is_within(&self, zone: &Name) -> bool {
        zone.text.is_empty() || self.text == zone.text || self.strictly_below(zone)
    }

    /// Whether `self` is below `zone` and not `zone` itself.
    pub fn strictly_below(&self, zone: &Name) -> bool {
        if zone.text.is_empty() {
            return !self.text.is_empty();
        }
        self.text.strip_suffix(&*zone.text).is_some_and(|rest| rest.ends_with('.'))
    }

    /// The labels above `zone` joined by dots (`www` for `www.acme.example.` in
    /// `acme.example.`), when `self` is strictly below it.
    pub fn prefix_in(&self, zone: &Name) -> Option<&str> {
        if !self.strictly_below(zone) {
            return None;
        }
        let cut = if zone.text.is_empty() { self.text.len() } else { self.text.len() - zone.text.len() - 1 };
        self.text.get(..cut)
    }

    /// The name with its leftmost label removed (the parent of a wildcard); the root
    /// stays the root.
    pub fn parent(&self) -> Name {
        Name { text: self.text.split_once('.').map_or("", |(_, p)| p).into() }
    }

    /// The name relative to `zone` (`@` for the apex), as a zone file writes it.
    pub fn relative_to(&self, zone: &Name) -> String {
        if self == zone {
            return "@".into();
        }
        match self.prefix_in(zone) {
            Some(p) => p.to_string(),
            None => self.to_string(),
        }
    }
}

/// Absolute form with the trailing dot; the root is `.`.
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Name {
        Name::parse("Acme.Example.", None, NameUse::Zone).unwrap()
    }

    #[test]
    fn relative_absolute_and_apex() {
        let z = zone();
        assert_eq!(z.to_string(), "acme.example.");
        assert_eq!(Name::parse("@", Some(&z), NameUse::Owner).unwrap(), z);
        assert_eq!(Name::parse("WWW", Some(&z), NameUse::Owner).unwrap().to_string(), "www.acme.example.");
        assert_eq!(Name::parse("_sip._tcp", Some(&z), NameUse::Owner).unwrap().to_string(), "_sip._tcp.acme.example.");
        assert_eq!(Name::parse("mx.other.net.", Some(&z), NameUse::Target).unwrap().to_string(), "mx.other.net.");
        assert_eq!(Name::parse(".", Some(&z), NameUse::Target).unwrap().to_string(), ".");
        assert_eq!(Name::parse("*.cdn", Some(&z), NameUse::Owner).unwrap().to_string(), "*.cdn.acme.example.");
    }

    #[test]
    fn errors_point_at_the_bad_part() {
        let z = zone();
        let e = Name::parse("a..b", Some(&z), NameUse::Owner).unwrap_err();
        assert_eq!((e.kind, e.range), (NameErrorKind::EmptyLabel, 2..3));
        let e = Name::parse("www.*", Some(&z), NameUse::Owner).unwrap_err();
        assert_eq!((e.kind, e.range), (NameErrorKind::WildcardNotLeftmost, 4..5));
        let e = Name::parse("*.x", Some(&z), NameUse::Target).unwrap_err();
        assert_eq!(e.kind, NameErrorKind::WildcardNotAllowed);
        let e = Name::parse("a+b", Some(&z), NameUse::Owner).unwrap_err();
        assert_eq!((e.kind, e.range), (NameErrorKind::BadChar('+'), 1..2));
        let e = Name::parse("acme.example", None, NameUse::Zone).unwrap_err();
        assert_eq!(e.kind, NameErrorKind::NotAbsolute);
        let e = Name::parse("@", None, NameUse::Zone).unwrap_err();
        assert_eq!(e.kind, NameErrorKind::BadChar('@'));
    }

    #[test]
    fn length_limits() {
        let z = zone();
        let long = "a".repeat(64);
        let e = Name::parse(&format!("x.{long}"), Some(&z), NameUse::Owner).unwrap_err();
        assert_eq!((e.kind, e.range), (NameErrorKind::LabelTooLong(64), 2..66));
        assert!(Name::parse(&"a".repeat(63), Some(&z), NameUse::Owner).is_ok());
        // 4 labels of 63 plus dots = 255 > 253
        let l = "b".repeat(63);
        let e = Name::parse(&format!("{l}.{l}.{l}.{l}."), None, NameUse::Target).unwrap_err();
        assert_eq!(e.kind, NameErrorKind::NameTooLong(255));
        let ok = format!("{l}.{l}.{l}.{}.", "c".repeat(61));
        assert_eq!(Name::parse(&ok, None, NameUse::Target).unwrap().text_len(), 253);
    }

    #[test]
    fn within_and_relative() {
        let z = zone();
        let www = Name::parse("www", Some(&z), NameUse::Owner).unwrap();
        let other = Name::parse("notacme.example.", None, NameUse::Target).unwrap();
        assert!(www.is_within(&z) && z.is_within(&z) && !other.is_within(&z));
        assert_eq!(www.relative_to(&z), "www");
        assert_eq!(z.relative_to(&z), "@");
        assert_eq!(other.relative_to(&z), "notacme.example.");
    }
}
