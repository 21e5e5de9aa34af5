//! The commonest report drawn without ariadne: one label on one line of plain ASCII, no
//! colour. ariadne lays out any number of labels over any text, and pays for that
//! generality on every character (about 58,000 instructions a report); a legacy zone's
//! 10,000 warnings are all of this shape. The output is ariadne's to the byte: the tests
//! below draw random reports both ways and compare, and anything outside the shape goes to
//! ariadne.

use std::io::Write as _;

/// What a single-label report shows.
pub struct SingleLine<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub message: &'a str,
    pub path: &'a str,
    /// The line's text, without its line break.
    pub line: &'a str,
    /// 0-based line number in the file.
    pub line_index: usize,
    /// The label's byte range within `line`.
    pub start: usize,
    pub end: usize,
    pub label: &'a str,
    pub help: Option<&'a str>,
}

impl SingleLine<'_> {
    /// Whether this report is of the shape drawn here; the rest go to ariadne.
    pub fn fits(&self) -> bool {
        let one_line = |s: &str| !s.contains(['\n', '\r']);
        self.start < self.end
            && self.end <= self.line.len()
            && self.line.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            && !self.label.is_empty()
            && [self.code, self.message, self.path, self.label].into_iter().all(one_line)
            && self.help.is_none_or(one_line)
    }

    /// Appends the report to `out`, as ariadne draws it with Unicode lines and no colour.
    pub fn write(&self, out: &mut Vec<u8>) {
        let number = self.line_index + 1;
        let width = number.to_string().len();
        let margin = " ".repeat(width + 2);
        let (start, len) = (self.start, self.end - self.start);
        let arrow = start + len / 2;
        // The label's message starts two columns past the end of the underline.
        let reach = self.end + 1;
        let _ = writeln!(out, "[{}] {}: {}", self.code, self.kind, self.message);
        let _ = writeln!(out, "{margin}╭─[ {}:{number}:{} ]", self.path, start + 1);
        let _ = writeln!(out, "{margin}│");
        let _ = writeln!(out, " {number} │ {}", self.line.trim_end());
        out.extend_from_slice(margin.as_bytes());
        out.extend_from_slice("│ ".as_bytes());
        push(out, ' ', start);
        push(out, '─', arrow - start);
        out.extend_from_slice("┬".as_bytes());
        push(out, '─', self.end - arrow - 1);
        push(out, ' ', reach + 1 - self.end);
        out.push(b'\n');
        out.extend_from_slice(margin.as_bytes());
        out.extend_from_slice("│ ".as_bytes());
        push(out, ' ', arrow);
        out.extend_from_slice("╰".as_bytes());
        push(out, '─', reach - arrow);
        let _ = writeln!(out, " {}", self.label);
        if let Some(help) = self.help {
            let _ = writeln!(out, "{margin}│ ");
            if !help.is_empty() {
                let _ = writeln!(out, "{margin}│ Help: {help}");
            }
        }
        push(out, '─', width + 2);
        out.extend_from_slice("╯\n".as_bytes());
    }
}

fn push(out: &mut Vec<u8>, c: char, n: usize) {
    let mut buf = [0; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    for _ in 0..n {
        out.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};
    use proptest::prelude::*;

    /// ariadne's drawing of the same report, as `render::text` asks for it.
    fn by_ariadne(r: &SingleLine<'_>, before: &str, after: &str) -> String {
        let text = format!("{before}{}\n{after}", r.line);
        let offset = before.len();
        let span = (r.path, offset + r.start..offset + r.end);
        let kind = if r.kind == "Error" { ReportKind::Error } else { ReportKind::Warning };
        let config =
            Config::default().with_color(false).with_index_type(IndexType::Byte).with_char_set(CharSet::Unicode);
        let mut b = Report::build(kind, span.clone())
            .with_config(config)
            .with_code(r.code)
            .with_message(r.message)
            .with_label(Label::new(span).with_message(r.label).with_order(0));
        if let Some(h) = r.help {
            b = b.with_help(h);
        }
        let mut out = Vec::new();
        b.finish().write((r.path, Source::from(text.as_str())), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn mine(r: &SingleLine<'_>) -> String {
        let mut out = Vec::new();
        r.write(&mut out);
        String::from_utf8(out).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn draws_what_ariadne_draws(
            line in "[ -~]{1,70}",
            a in 0usize..70,
            b in 0usize..70,
            lines_before in prop_oneof![0usize..3, 7usize..12, 95usize..105, 998usize..1002, 99_990usize..100_010],
            message in "[ -~]{0,30}|[^\n\r]{0,10}",
            label in "[ -~]{1,30}|[^\n\r]{1,10}",
            help in proptest::option::of("[ -~]{0,40}"),
            error in any::<bool>(),
        ) {
            let (mut start, mut end) = (a.min(b).min(line.len()), a.max(b).min(line.len()));
            if start == end {
                if end < line.len() { end += 1 } else { start -= 1 }
            }
            let before = "x\n".repeat(lines_before);
            let r = SingleLine {
                code: "W0020", kind: if error { "Error" } else { "Warning" }, message: &message,
                path: "zones.drove", line: &line, line_index: lines_before, start, end, label: &label,
                help: help.as_deref(),
            };
            prop_assume!(r.fits());
            prop_assert_eq!(mine(&r), by_ariadne(&r, &before, "}\n"));
        }
    }

    #[test]
    fn a_zone_record() {
        let r = SingleLine {
            code: "W0020",
            kind: "Warning",
            message: "a public zone publishes the private address 10.0.0.1",
            path: "z.drove",
            line: "  host1 300 A 10.0.0.1",
            line_index: 9,
            start: 14,
            end: 22,
            label: "private address",
            help: Some("put it in a private zone (`private = [NETWORK]`) …"),
        };
        assert!(r.fits());
        assert_eq!(mine(&r), by_ariadne(&r, &"x\n".repeat(9), ""));
    }
}
