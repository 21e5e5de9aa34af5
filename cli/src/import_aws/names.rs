//! Declaration names for imported resources: from their `Name` tags where they have one,
//! made into drove names (lower case letters, digits, `-` and `_`) and unique per kind.

use std::collections::{BTreeMap, BTreeSet};

/// The tag AWS's consoles show as a resource's name.
pub const NAME_TAG: &str = "Name";

#[derive(Default)]
pub struct Namer {
    taken: BTreeMap<String, BTreeSet<String>>,
}

/// `wanted` as a drove name: other characters become `-`, and a name that would not
/// start with a letter gets a prefix.
pub fn sanitize(wanted: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in wanted.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    match out.chars().next() {
        None => fallback.to_string(),
        Some(c) if c.is_ascii_alphabetic() => out,
        Some(_) => format!("{fallback}-{out}"),
    }
}

impl Namer {
    /// A name for a `kind` declaration, unique among that kind: `web`, then `web-2`, ….
    pub fn name(&mut self, kind: &str, wanted: &str) -> String {
        let base = sanitize(wanted, kind);
        let taken = self.taken.entry(kind.to_string()).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_drove_names_and_unique() {
        let mut n = Namer::default();
        assert_eq!(n.name("firewall", "Web Servers"), "web-servers");
        assert_eq!(n.name("firewall", "web servers"), "web-servers-2");
        assert_eq!(n.name("network", "web servers"), "web-servers");
        assert_eq!(n.name("firewall", "10.0 net"), "firewall-10-0-net");
        assert_eq!(n.name("firewall", "***"), "firewall");
        assert_eq!(sanitize("db_main", "x"), "db_main");
    }
}
