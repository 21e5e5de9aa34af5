//! Route53's limits on one ChangeResourceRecordSets request, applied to one record set:
//! 1,000 ResourceRecord elements and 32,000 characters of values, an UPSERT's counted
//! twice. The engine packs many sets into batches within these limits, but one set is
//! never split, and drove changes a set in place with an UPSERT: a set over half the
//! limits could be created and never changed again. Such a set is refused here.

use super::codes::E_SET_TOO_LARGE;
use super::hir::{Record, RecordData};
use super::rdata::{AValue, Rdata};
use crate::diag::{Diagnostic, Sink};
use crate::hir::Stack;
use crate::source::FileId;

/// ResourceRecord elements per request, an UPSERT's twice: a set may hold half.
pub const MAX_VALUES: usize = 1000 / 2;
/// Characters of values per request, an UPSERT's twice: a set may hold half.
pub const MAX_VALUE_CHARS: usize = 32_000 / 2;
/// The longest value a host's address can be (`255.255.255.255`).
const ADDRESS_CHARS: usize = 15;

/// Checks one record set (the records of one name, type and `set`).
pub fn check_set(stack: &Stack, file: FileId, set: &[&Record], sink: &mut Sink) {
    // Rendering every value to count its characters was 7 % of checking a large zone;
    // a bound read off the value settles nearly every set, and only a set near the limit
    // is rendered.
    let (values, bound) = measure(stack, set, |d| chars_at_most(d).unwrap_or_else(|| exact_chars(d)));
    if values <= MAX_VALUES && bound <= MAX_VALUE_CHARS {
        return;
    }
    let (values, chars) = measure(stack, set, exact_chars);
    if values <= MAX_VALUES && chars <= MAX_VALUE_CHARS {
        return;
    }
    let first = set[0];
    let what = if values > MAX_VALUES {
        format!("{values} values, more than {MAX_VALUES}")
    } else {
        format!("{chars} characters of values, more than {MAX_VALUE_CHARS}")
    };
    sink.push(
        Diagnostic::new(
            E_SET_TOO_LARGE,
            file,
            first.type_span.clone(),
            format!("{} `{}` has {what}; Route53 could not change it in one request", first.rtype, first.owner),
        )
        .with_label("record set too large")
        .with_help("Route53 takes 1,000 values and 32,000 characters per change and counts an update twice; spread the values over several names, or use a weighted or multivalue routing group"),
    );
}

/// The values of a set, and their characters as `chars` counts each.
fn measure(stack: &Stack, set: &[&Record], chars: impl Fn(&Rdata) -> usize) -> (usize, usize) {
    let (mut values, mut total) = (0usize, 0usize);
    for r in set {
        let RecordData::Values(vs) = &r.data else { continue };
        for v in vs {
            match &v.data {
                Rdata::A(AValue::Host(h)) => {
                    let scope = h.stack.as_ref().and_then(|u| stack.used(&u.text)).map_or(stack, |u| &u.stack);
                    let n = if h.group { hosts_count(scope, &h.name) } else { 1 };
                    values += n;
                    total = total.saturating_add(n.saturating_mul(ADDRESS_CHARS));
                }
                d => {
                    values += 1;
                    total = total.saturating_add(chars(d));
                }
            }
        }
    }
    (values, total)
}

fn exact_chars(d: &Rdata) -> usize {
    d.presentation().map_or(0, |p| p.chars().count())
}

/// An upper bound on the characters of a value's presentation, read without rendering it, for the
/// types where that is cheap (a `u16` is at most five digits, a name is its text and a dot).
fn chars_at_most(d: &Rdata) -> Option<usize> {
    let name = |n: &super::name::Name| n.as_str().chars().count() + 1;
    Some(match d {
        Rdata::A(AValue::Addr(_)) => 15,
        Rdata::Aaaa(_) => 39,
        Rdata::Cname(n) | Rdata::Ns(n) | Rdata::Ptr(n) => name(n),
        Rdata::Mx { exchange, .. } => 6 + name(exchange),
        Rdata::Srv { target, .. } => 18 + name(target),
        _ => return None,
    })
}

fn hosts_count(stack: &Stack, name: &str) -> usize {
    let count = stack.hosts.iter().find(|h| h.name.text == name).and_then(|h| h.count.as_ref()).map_or(0, |c| c.value);
    usize::try_from(count).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::source::Sources;

    fn codes(text: &str) -> Vec<&'static str> {
        analyze(&Sources::single("main.drove", text)).diagnostics.iter().map(|d| d.code).collect()
    }

    fn zone(lines: &str) -> String {
        format!("stack s {{ region = \"us-east-1\" }}\nzone \"example.com.\" {{\n{lines}}}\n")
    }

    fn a_records(n: usize) -> String {
        (0..n).map(|i| format!("  www 60 A 54.{}.{}.1\n", i / 256, i % 256)).collect()
    }

    #[test]
    fn five_hundred_values_pass_and_five_hundred_and_one_do_not() {
        assert_eq!(codes(&zone(&a_records(500))), Vec::<&str>::new());
        assert_eq!(codes(&zone(&a_records(501))), ["E0424"]);
    }

    #[test]
    fn characters_are_counted_too() {
        // 70 TXT values of 255 characters (257 with the quotes): 17,990 characters.
        let long = "x".repeat(255);
        let lines: String = (0..70).map(|i| format!("  txt 60 TXT \"{i:02}{}\"\n", &long[2..])).collect();
        assert_eq!(codes(&zone(&lines)), ["E0424"]);
        let lines: String = (0..60).map(|i| format!("  txt 60 TXT \"{i:02}{}\"\n", &long[2..])).collect();
        assert_eq!(codes(&zone(&lines)), Vec::<&str>::new());
    }

    #[test]
    fn names_are_counted_without_rendering_them_and_bounds_do_not_hide_a_large_set() {
        // 400 NS values of 45 characters (with the dot): 18,000 characters, under 500 values.
        let ns = |n: usize| -> String {
            (0..n).map(|i| format!("  sub 60 NS ns{i:03}.a-rather-long-name-server.example.net.\n")).collect()
        };
        assert_eq!(codes(&zone(&ns(400))), ["E0424"]);
        assert_eq!(codes(&zone(&ns(300))), Vec::<&str>::new());
        // MX values are bounded above (six characters for the preference and its space):
        // a set the bound puts over the limit is counted exactly and passes.
        let mx: String = (0..390).map(|i| format!("  @ 60 MX 1 mx{i:03}.a-rather-long-exchange.example.\n")).collect();
        assert_eq!(codes(&zone(&mx)), Vec::<&str>::new());
    }
}
