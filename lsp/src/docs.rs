//! Open documents: their text and version, with edits applied strictly in version order.
//!
//! tower-lsp-server may run notification handlers concurrently, so a `didChange` can in
//! principle be seen before the one that precedes it. Incremental edits only make sense
//! against the exact text they were computed for, so a change whose version is not the
//! next one is parked until the gap is filled.

use drove_compiler::source::SourceFile;
use std::collections::BTreeMap;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};

/// Parked changes beyond this many mean the client skips versions (allowed by the
/// protocol, which only asks for increasing numbers): apply the oldest anyway.
const MAX_PARKED: usize = 16;

#[derive(Debug, Clone)]
pub struct Document {
    pub version: i32,
    pub text: String,
    parked: BTreeMap<i32, Vec<TextDocumentContentChangeEvent>>,
}

/// What happened to a `didChange`.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// The text changed; the document is now at this version.
    Changed,
    /// Parked until an earlier version arrives.
    Parked,
    /// At or below the current version: a duplicate or a late message; ignored.
    Stale,
}

impl Document {
    pub fn new(version: i32, text: String) -> Self {
        Document { version, text, parked: BTreeMap::new() }
    }

    pub fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Applied {
        if version <= self.version {
            return Applied::Stale;
        }
        self.parked.insert(version, changes);
        let mut changed = false;
        while let Some((&next, _)) = self.parked.first_key_value() {
            if next != self.version + 1 && self.parked.len() <= MAX_PARKED {
                break;
            }
            let Some((v, changes)) = self.parked.pop_first() else { break };
            for c in changes {
                apply(&mut self.text, &c);
            }
            self.version = v;
            changed = true;
        }
        if changed {
            Applied::Changed
        } else {
            Applied::Parked
        }
    }
}

/// Applies one content change: a whole new text, or a replacement of a UTF-16 range.
pub fn apply(text: &mut String, change: &TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        text.clone_from(&change.text);
        return;
    };
    let file = SourceFile::new("", std::mem::take(text));
    let start = offset(&file, range.start);
    let end = offset(&file, range.end).max(start);
    let mut s = file.text;
    s.replace_range(start..end, &change.text);
    *text = s;
}

pub fn offset(file: &SourceFile, p: Position) -> usize {
    file.offset_utf16(p.line as usize, p.character as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::Range;

    fn edit(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edits_count_utf16() {
        let mut d = Document::new(1, "a = \"é😀x\"\nb\n".into());
        // 😀 is two UTF-16 units: column 8 is just before `x`.
        assert_eq!(d.change(2, vec![edit(0, 8, 0, 9, "y")]), Applied::Changed);
        assert_eq!(d.text, "a = \"é😀y\"\nb\n");
        d.change(3, vec![edit(1, 0, 2, 0, "")]);
        assert_eq!(d.text, "a = \"é😀y\"\n");
    }

    #[test]
    fn out_of_order_changes_wait_for_the_gap() {
        let mut d = Document::new(1, "abc".into());
        assert_eq!(d.change(3, vec![edit(0, 0, 0, 1, "X")]), Applied::Parked);
        assert_eq!(d.text, "abc");
        assert_eq!(d.change(2, vec![edit(0, 3, 0, 3, "d")]), Applied::Changed);
        assert_eq!((d.text.as_str(), d.version), ("Xbcd", 3));
        assert_eq!(d.change(3, vec![edit(0, 0, 0, 0, "!")]), Applied::Stale);
    }

    #[test]
    fn ranges_past_the_end_are_clamped() {
        let mut d = Document::new(0, "ab".into());
        d.change(1, vec![edit(5, 0, 9, 9, "c")]);
        assert_eq!(d.text, "abc");
    }
}
