//! Rename: the edits that give a declaration a new name everywhere, refused when the new
//! name would not read back as the same declaration; with the stack's analysis, also what
//! keeps its resources through the rename (`moves`).

use super::index::{contains, Index, SymbolKind};
use crate::literal;
use crate::names::clashing_kinds;
use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameError {
    NothingHere,
    /// A zone's name is its DNS name, which its records are relative to.
    Zone,
    /// The new name would not be read as a name where the symbol is used.
    BadName {
        name: String,
        why: &'static str,
    },
    /// A declaration the new name would collide with or be confused with.
    Taken {
        name: String,
        kind: SymbolKind,
        same_kind: bool,
    },
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::NothingHere => write!(f, "no declared name here"),
            RenameError::Zone => {
                write!(f, "a zone is named by its DNS name, which its records are relative to; edit it by hand")
            }
            RenameError::BadName { name, why } => write!(f, "`{name}` is not a valid name: {why}"),
            RenameError::Taken { name, kind, same_kind: true } => {
                write!(f, "`{name}` is already declared as {}", kind.article())
            }
            RenameError::Taken { name, kind, same_kind: false } => write!(
                f,
                "`{name}` is already declared as {}, and a reference to `{name}` could then mean either (E0107)",
                kind.article()
            ),
        }
    }
}

impl std::error::Error for RenameError {}

/// Words the grammar reads by position where names also stand (rule peers, headers).
const RESERVED: &[&str] = &["true", "false", "from", "to", "in", "tcp", "udp", "icmp", "icmpv6", "all"];

/// Why `name` cannot name a declaration of `kind`, if it cannot.
fn bad_name(kind: SymbolKind, name: &str) -> Option<&'static str> {
    if kind == SymbolKind::Secret {
        // A secret is named by a string.
        return (name.is_empty() || name.contains('"') || name.contains('\n'))
            .then_some("a secret's name is a non-empty string without quotes");
    }
    let Some(first) = name.chars().next() else { return Some("a name cannot be empty") };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Some("names are letters, digits, `-` and `_`");
    }
    if !(first.is_ascii_alphabetic() || first == '_') {
        // `allow … from 10` reads an address, `mode = 0600` a file mode.
        return Some("a name that is used must start with a letter or `_`, or it reads as a number or address");
    }
    if RESERVED.contains(&name) {
        return Some("it is a word of the language");
    }
    // A `let` stands where literals do; a name that parses as one is read as the literal.
    let literal = literal::boolean(name).is_ok()
        || literal::duration(name).is_ok()
        || literal::size_gib(name).is_ok()
        || literal::share(name).is_ok()
        || literal::address(name).is_ok();
    (kind == SymbolKind::Let && literal).then_some("it reads as a literal where the constant is used")
}

impl Index {
    /// The span of the name to rename at a position (what the editor lets the user edit).
    pub fn prepare_rename(&self, file: FileId, offset: usize) -> Result<Span, RenameError> {
        let id = self.at(file, offset).ok_or(RenameError::NothingHere)?;
        if self.symbols[id].kind == SymbolKind::Zone {
            return Err(RenameError::Zone);
        }
        self.occurrences(id, true)
            .into_iter()
            .find(|(f, s)| *f == file && contains(s, offset))
            .map(|(_, s)| s)
            .ok_or(RenameError::NothingHere)
    }

    /// The edits that rename the symbol at a position everywhere in the stack.
    pub fn rename(
        &self,
        file: FileId,
        offset: usize,
        new_name: &str,
    ) -> Result<Vec<(FileId, Span, String)>, RenameError> {
        let id = self.at(file, offset).ok_or(RenameError::NothingHere)?;
        let sym = &self.symbols[id];
        if sym.kind == SymbolKind::Zone {
            return Err(RenameError::Zone);
        }
        if let Some(why) = bad_name(sym.kind, new_name) {
            return Err(RenameError::BadName { name: new_name.to_string(), why });
        }
        for kind in clashing_kinds(sym.kind) {
            let parent = if kind == sym.kind { sym.parent } else { None };
            if self.find(kind, new_name, parent).is_some_and(|other| other != id) {
                return Err(RenameError::Taken { name: new_name.to_string(), kind, same_kind: kind == sym.kind });
            }
        }
        // A secret is named by a string; its spans may include the quotes.
        let quoted = |s: &Span| sym.kind == SymbolKind::Secret && s.len() == sym.name.len() + 2;
        let mut edits: Vec<_> = self
            .occurrences(id, true)
            .into_iter()
            .map(|(f, s)| {
                let text = if quoted(&s) { format!("\"{new_name}\"") } else { new_name.to_string() };
                (f, s, text)
            })
            .collect();
        edits.sort_by_key(|e| (e.0, e.1.start));
        edits.dedup();
        Ok(edits)
    }

    /// [`Index::rename`], and what keeps the renamed declaration's resources: a `moved`
    /// declaration the next plan applies, and on a firewall its security group's name and
    /// description (see `super::moves`).
    pub fn rename_in(
        &self,
        analysis: &crate::analysis::Analysis,
        sources: &crate::source::Sources,
        file: FileId,
        offset: usize,
        new_name: &str,
    ) -> Result<Vec<(FileId, Span, String)>, RenameError> {
        let mut edits = self.rename(file, offset, new_name)?;
        let id = self.at(file, offset).ok_or(RenameError::NothingHere)?;
        edits.extend(super::moves::edits(analysis, self, sources, id, new_name));
        edits.sort_by_key(|e| (e.0, e.1.start));
        Ok(edits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_read_as_something_else_are_refused() {
        for bad in ["1abc", "0600", "", "a b", "x.y", "-x", "true", "from", "tcp"] {
            assert!(bad_name(SymbolKind::Firewall, bad).is_some(), "{bad:?}");
        }
        assert!(bad_name(SymbolKind::Let, "false").is_some());
        for good in ["web", "db-1", "_x", "office2"] {
            assert_eq!(bad_name(SymbolKind::Firewall, good), None, "{good:?}");
            assert_eq!(bad_name(SymbolKind::Let, good), None, "{good:?}");
        }
        assert_eq!(bad_name(SymbolKind::Secret, "db.yml"), None);
    }
}
