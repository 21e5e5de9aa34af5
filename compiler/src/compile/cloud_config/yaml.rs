//! YAML scalars for the cloud-config document.
//!
//! Every scalar is written double-quoted, the one YAML style whose meaning never depends
//! on the text: no plain scalar can turn into a boolean, a number or a date (cloud-init
//! reads YAML 1.1 with PyYAML, where `on`, `0644` and `1:20` are not strings), and no
//! block scalar needs indentation or chomping indicators. What the style cannot hold raw
//! is escaped: `"` and `\`, the C0 and C1 controls and DEL, the characters YAML 1.1
//! takes for line breaks (U+0085, U+2028, U+2029: PyYAML folds them to spaces inside a
//! quoted scalar), the byte-order mark, and the non-characters U+FFFE and U+FFFF, which
//! YAML does not allow in a stream at all. An emitter crate would choose styles by YAML
//! 1.2 rules, which is exactly what cloud-init's YAML 1.1 reader does not share.

use std::fmt::Write as _;

/// `text` as a YAML double-quoted scalar that every YAML 1.1 or 1.2 reader reads back
/// as exactly `text`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                // Writing into a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_yaml_reads_otherwise() {
        assert_eq!(quoted("a\"b\\c\nd\te"), r#""a\"b\\c\nd\te""#);
        assert_eq!(quoted("x\u{7f}y\u{85}\u{1b}"), r#""x\u007fy\u0085\u001b""#);
        assert_eq!(quoted("a\u{2028}b\u{2029}\u{feff}"), r#""a\u2028b\u2029\ufeff""#);
        assert_eq!(quoted("日本 🚀 #: '"), "\"日本 🚀 #: '\"");
        assert_eq!(quoted(""), "\"\"");
    }

    fn reads_back(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let doc = format!("v: {}\n", quoted(text));
        let back: std::collections::BTreeMap<String, String> = serde_norway::from_str(&doc)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}: {doc:?}")))?;
        proptest::prop_assert_eq!(back.get("v").map(String::as_str), Some(text));
        Ok(())
    }

    proptest::proptest! {
        /// A YAML reader (libyaml, which PyYAML's C loader also is) reads any text back
        /// unchanged, whatever characters it holds.
        #[test]
        fn any_text_reads_back(text in proptest::prelude::any::<String>()) {
            reads_back(&text)?;
        }

        /// The same, weighted towards the characters YAML gives a meaning.
        #[test]
        fn yaml_syntax_reads_back(text in "[\\x00-\\x20\\x7f-\\xa0\u{2028}\u{2029}\u{feff}\"'\\\\#:{}\\[\\],&*!|>%@`?=~a0-]{0,40}") {
            reads_back(&text)?;
        }
    }
}
