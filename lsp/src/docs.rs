//! Open documents: their text and version, with edits applied in the order they arrive.
//!
//! The protocol only promises that versions increase: VS Code counts up by one, Neovim
//! numbers them by its change counter (0, then 5, …). So a change is applied when its
//! version is above the document's, and one at or below it (a duplicate) is ignored.
//! Arrival order is application order because `didChange` applies its edit under the
//! workspace lock before its handler first yields, and tower-lsp-server starts
//! handlers in the order their messages arrive.

use drove_compiler::source::SourceFile;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};

#[derive(Debug, Clone)]
pub struct Document {
    pub version: i32,
    pub text: String,
}

/// What happened to a `didChange`.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// The text changed; the document is now at this version.
    Changed,
    /// At or below the current version: a duplicate or a late message; ignored.
    Stale,
}

impl Document {
    pub fn new(version: i32, text: String) -> Self {
        Document { version, text }
    }

    pub fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Applied {
        if version <= self.version {
            return Applied::Stale;
        }
        for c in changes {
            apply(&mut self.text, &c);
        }
        self.version = version;
        Applied::Changed
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
    fn versions_may_skip_and_duplicates_are_ignored() {
        // Neovim opens at version 0 and sends its first edit as version 5.
        let mut d = Document::new(0, "abc".into());
        assert_eq!(d.change(5, vec![edit(0, 0, 0, 1, "X")]), Applied::Changed);
        assert_eq!(d.change(9, vec![edit(0, 3, 0, 3, "d")]), Applied::Changed);
        assert_eq!((d.text.as_str(), d.version), ("Xbcd", 9));
        assert_eq!(d.change(9, vec![edit(0, 0, 0, 0, "!")]), Applied::Stale);
        assert_eq!(d.change(7, vec![edit(0, 0, 0, 0, "!")]), Applied::Stale);
        assert_eq!(d.text, "Xbcd");
    }

    #[test]
    fn ranges_past_the_end_are_clamped() {
        let mut d = Document::new(0, "ab".into());
        d.change(1, vec![edit(5, 0, 9, 9, "c")]);
        assert_eq!(d.text, "abc");
    }
}
