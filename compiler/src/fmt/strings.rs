//! Canonical spelling of string literals.

use crate::syntax::cst::Str;

/// `"…"` with the fewest escapes that read back as the same value: quotes, backslashes
/// and control characters only. A `"""…"""` string is returned verbatim from `source`,
/// since its bytes are its value.
pub fn render(s: &Str, source: &str) -> String {
    if s.triple {
        return source.get(s.span.clone()).unwrap_or_default().to_string();
    }
    quote(&s.value)
}

pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn escapes_only_what_must_be_escaped() {
        assert_eq!(quote("plain é"), "\"plain é\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("l1\nl2\tt\r"), "\"l1\\nl2\\tt\\r\"");
        assert_eq!(quote("\u{1}\u{7f}"), "\"\\u{1}\\u{7f}\"");
    }
}
