//! The commonest report drawn without ariadne: one label on one line of plain ASCII, in
//! colour or not. ariadne lays out any number of labels over any text, and pays for that
//! generality on every character (about 58,000 instructions a report); a legacy zone's
//! 10,000 warnings are all of this shape. The output is ariadne's to the byte: the tests
//! below draw random reports both ways and compare, and anything outside the shape goes to
//! ariadne.

use crate::diag::Severity;

/// What a single-label report shows.
pub struct SingleLine<'a> {
    pub code: &'a str,
    pub severity: Severity,
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
        let one_line = |s: &str| memchr::memchr2(b'\n', b'\r', s.as_bytes()).is_none();
        self.start < self.end
            && self.end <= self.line.len()
            && self.line.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            && !self.label.is_empty()
            && [self.code, self.message, self.path, self.label].into_iter().all(one_line)
            && self.help.is_none_or(one_line)
    }

    /// Appends the report to `out`, as ariadne draws it with Unicode lines, in colour or not.
    pub fn write(&self, out: &mut String, color: bool) {
        let pen = Pen(color);
        let kind = match self.severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
        };
        let number = (self.line_index + 1).to_string();
        let width = number.len();
        let (start, end) = (self.start, self.end);
        let arrow = start + (end - start) / 2;
        // The label's message starts two columns past the end of the underline.
        let reach = end + 1;
        let bar = |out: &mut String| {
            out.push(' ');
            pen.paint(out, DIM, |o| {
                push(o, ' ', width + 1);
                o.push('│');
            });
            out.push(' ');
        };
        pen.paint(out, kind, |o| {
            for part in ["[", self.code, "] ", super::kind_word(self.severity), ":"] {
                o.push_str(part);
            }
        });
        for part in [" ", self.message, "\n"] {
            out.push_str(part);
        }
        push(out, ' ', width + 2);
        pen.each(out, MARGIN, "╭─[");
        for part in [" ", self.path, ":", &number, ":", &(start + 1).to_string(), " "] {
            out.push_str(part);
        }
        pen.whole(out, MARGIN, "]");
        out.push('\n');
        push(out, ' ', width + 2);
        pen.whole(out, MARGIN, "│");
        out.push_str("\n ");
        pen.paint(out, MARGIN, |o| {
            o.push_str(&number);
            o.push_str(" │");
        });
        out.push(' ');
        // ariadne leaves out the line's trailing blanks, inside the label or not.
        let shown = self.line.trim_end().len();
        pen.each(out, TEXT, &self.line[..start.min(shown)]);
        pen.each(out, kind, &self.line[start.min(shown)..end.min(shown)]);
        pen.each(out, TEXT, &self.line[end.min(shown)..shown]);
        out.push('\n');
        bar(out);
        push(out, ' ', start);
        pen.repeat(out, kind, '─', arrow - start);
        pen.repeat(out, kind, '┬', 1);
        pen.repeat(out, kind, '─', end - arrow - 1);
        push(out, ' ', reach + 1 - end);
        out.push('\n');
        bar(out);
        push(out, ' ', arrow);
        pen.repeat(out, kind, '╰', 1);
        pen.repeat(out, kind, '─', reach - arrow);
        for part in [" ", self.label, "\n"] {
            out.push_str(part);
        }
        if let Some(help) = self.help {
            bar(out);
            out.push('\n');
            if !help.is_empty() {
                bar(out);
                pen.whole(out, NOTE, "Help");
                for part in [": ", help, "\n"] {
                    out.push_str(part);
                }
            }
        }
        pen.paint(out, MARGIN, |o| {
            push(o, '─', width + 2);
            o.push('╯');
        });
        out.push('\n');
    }
}

/// ariadne's colours for these parts (its defaults, and the label's colour `render` gives).
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const MARGIN: &str = "\x1b[38;5;246m";
const DIM: &str = "\x1b[38;5;240m";
const TEXT: &str = "\x1b[38;5;249m";
const NOTE: &str = "\x1b[38;5;115m";
const RESET: &str = "\x1b[0m";

/// Writes text in a colour as ariadne does (a piece at once, or each character on its
/// own), or plain.
#[derive(Clone, Copy)]
struct Pen(bool);

impl Pen {
    /// What `body` writes, in one colour.
    fn paint(self, out: &mut String, color: &str, body: impl FnOnce(&mut String)) {
        if self.0 {
            out.push_str(color);
            body(out);
            out.push_str(RESET);
        } else {
            body(out);
        }
    }

    fn whole(self, out: &mut String, color: &str, text: &str) {
        self.paint(out, color, |o| o.push_str(text));
    }

    fn each(self, out: &mut String, color: &str, text: &str) {
        if self.0 {
            let mut buf = [0; 4];
            for c in text.chars() {
                self.whole(out, color, c.encode_utf8(&mut buf));
            }
        } else {
            out.push_str(text);
        }
    }

    fn repeat(self, out: &mut String, color: &str, c: char, n: usize) {
        let mut buf = [0; 4];
        let c = c.encode_utf8(&mut buf);
        for _ in 0..n {
            self.whole(out, color, c);
        }
    }
}

fn push(out: &mut String, c: char, n: usize) {
    out.extend(std::iter::repeat_n(c, n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};
    use proptest::prelude::*;

    /// ariadne's drawing of the same report, as `render::text` asks for it.
    fn by_ariadne(r: &SingleLine<'_>, before: &str, after: &str, color: bool) -> String {
        let text = format!("{before}{}\n{after}", r.line);
        let offset = before.len();
        let span = (r.path, offset + r.start..offset + r.end);
        let kind = if r.severity == Severity::Error { ReportKind::Error } else { ReportKind::Warning };
        let config =
            Config::default().with_color(color).with_index_type(IndexType::Byte).with_char_set(CharSet::Unicode);
        let label = Label::new(span.clone()).with_message(r.label).with_order(0);
        let label = match (color, kind) {
            (false, _) => label,
            (true, ReportKind::Error) => label.with_color(ariadne::Color::Red),
            (true, _) => label.with_color(ariadne::Color::Yellow),
        };
        let mut b = Report::build(kind, span.clone())
            .with_config(config)
            .with_code(r.code)
            .with_message(r.message)
            .with_label(label);
        if let Some(h) = r.help {
            b = b.with_help(h);
        }
        let mut out = Vec::new();
        b.finish().write((r.path, Source::from(text.as_str())), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn mine(r: &SingleLine<'_>, color: bool) -> String {
        let mut out = String::new();
        r.write(&mut out, color);
        out
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
            color in any::<bool>(),
        ) {
            let (mut start, mut end) = (a.min(b).min(line.len()), a.max(b).min(line.len()));
            if start == end {
                if end < line.len() { end += 1 } else { start -= 1 }
            }
            let before = "x\n".repeat(lines_before);
            let r = SingleLine {
                code: "W0020", severity: if error { Severity::Error } else { Severity::Warning }, message: &message,
                path: "zones.drove", line: &line, line_index: lines_before, start, end, label: &label,
                help: help.as_deref(),
            };
            prop_assume!(r.fits());
            prop_assert_eq!(mine(&r, color), by_ariadne(&r, &before, "}\n", color));
        }
    }

    #[test]
    fn a_zone_record() {
        let r = SingleLine {
            code: "W0020",
            severity: Severity::Warning,
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
        for color in [false, true] {
            assert_eq!(mine(&r, color), by_ariadne(&r, &"x\n".repeat(9), "", color));
        }
    }
}
