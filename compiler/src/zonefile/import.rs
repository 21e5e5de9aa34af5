//! A read zone file → drove source: one `zone` block (and a `stack` block on request),
//! records merged into record sets (Route53 holds one set per name and type), checked
//! with the same front end as `drove check` and printed by the canonical formatter.

use super::{Error, Location, Zone};
use crate::analysis::analyze;
use crate::diag::Severity;
use crate::dns::name::Name;
use crate::dns::rdata::Rdata;
use crate::dns::rtype::RType;
use crate::source::Sources;
use std::collections::HashMap;

/// Warnings of `drove check` on the output listed as notes; the rest are counted.
const MAX_WARNINGS_SHOWN: usize = 20;

pub struct Options {
    /// The zone file as named on the command line, for the header comment.
    pub file_label: String,
    /// `(name, region)`: also print a `stack` block so the output is a complete stack.
    pub stack: Option<(String, String)>,
}

pub struct Imported {
    /// Formatted drove source.
    pub source: String,
    /// Things the user should know (records left out, merged TTLs, check warnings).
    pub notes: Vec<String>,
}

/// One record set of the output.
struct Set {
    owner: Name,
    rtype: RType,
    ttl: u64,
    values: Vec<String>,
    at: Location,
}

/// A string literal of drove source, escaped as the formatter writes one.
pub fn drove_string(value: &str) -> String {
    crate::fmt::quote(value)
}

/// One value as a drove record line writes it: like the presentation format, with
/// character-strings as drove strings and SVCB parameters in one string.
pub fn drove_value(data: &Rdata) -> String {
    match data {
        Rdata::Https(s) | Rdata::Svcb(s) => {
            let params = unquote_params(&s.params.presentation());
            if params.is_empty() {
                format!("{} {}", s.priority, s.target)
            } else {
                format!("{} {} {}", s.priority, s.target, drove_string(&params))
            }
        }
        other => other.presentation_quoting(drove_string).unwrap_or_default(),
    }
}

/// `key="v"` → `key=v` where the value needs no quotes, so the drove string reads plainly.
fn unquote_params(presentation: &str) -> String {
    presentation
        .split(' ')
        .map(|p| match p.split_once("=\"") {
            Some((k, v)) => match v.strip_suffix('"') {
                Some(inner) if !inner.contains(['"', '\\', ' ']) => format!("{k}={inner}"),
                _ => p.to_string(),
            },
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sets(zone: &Zone, notes: &mut Vec<String>) -> Vec<Set> {
    let mut out: Vec<Set> = Vec::new();
    let mut index: HashMap<(Name, RType), usize> = HashMap::new();
    // Values already in each set, so a record written twice is one value (a set is a set).
    let mut seen: Vec<std::collections::HashSet<String>> = Vec::new();
    for r in &zone.records {
        let value = drove_value(&r.data);
        let key = (r.owner.clone(), r.rtype);
        match index.get(&key) {
            Some(&i) => {
                let set = &mut out[i];
                if r.ttl != set.ttl {
                    let low = set.ttl.min(r.ttl);
                    notes.push(format!(
                        "{}: {} {} has TTLs {} and {}; a record set has one TTL, so {low} is used",
                        r.at, r.owner, r.rtype, set.ttl, r.ttl
                    ));
                    set.ttl = low;
                }
                if seen[i].insert(value.clone()) {
                    set.values.push(value);
                }
            }
            None => {
                index.insert(key, out.len());
                seen.push(std::iter::once(value.clone()).collect());
                out.push(Set {
                    owner: r.owner.clone(),
                    rtype: r.rtype,
                    ttl: r.ttl,
                    values: vec![value],
                    at: r.at.clone(),
                });
            }
        }
    }
    out
}

/// The TTL most sets have (the lowest of equals), written once as the zone's default.
fn common_ttl(sets: &[Set]) -> Option<u64> {
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for s in sets {
        *counts.entry(s.ttl).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(ttl, _)| ttl)
}

/// The source text before formatting, and which zone-file line each of its lines is from.
fn render(zone: &Zone, sets: &[Set], opts: &Options) -> (String, Vec<Option<Location>>) {
    let mut text = String::new();
    let mut origins: Vec<Option<Location>> = Vec::new();
    let mut line = |text: &mut String, s: &str, from: Option<Location>| {
        text.push_str(s);
        text.push('\n');
        origins.push(from);
    };
    line(
        &mut text,
        &format!("# Imported from `{}` by `drove import zonefile`.", opts.file_label.replace('\n', " ")),
        None,
    );
    if !zone.apex.is_empty() {
        line(
            &mut text,
            "# Left out: the apex SOA and NS records, which Route53 creates and owns for the hosted zone.",
            None,
        );
    }
    for s in &zone.unsupported {
        line(
            &mut text,
            &format!("# Left out: {} {} at line {}: {}.", s.owner, s.rtype, s.at.line, s.why.replace('\n', " ")),
            None,
        );
    }
    if let Some((name, region)) = &opts.stack {
        line(&mut text, "", None);
        line(&mut text, &format!("stack {name} {{ region = {} }}", drove_string(region)), None);
    }
    line(&mut text, "", None);
    line(&mut text, &format!("zone {} {{", drove_string(&zone.origin.to_string())), None);
    let default = common_ttl(sets);
    if let Some(ttl) = default {
        line(&mut text, &format!("  ttl = {ttl}"), None);
        line(&mut text, "", None);
    }
    for s in sets {
        let ttl = if Some(s.ttl) == default { String::new() } else { format!(" {}", s.ttl) };
        let record = format!("  {}{ttl} {} {}", s.owner.relative_to(&zone.origin), s.rtype, s.values.join(", "));
        line(&mut text, &record, Some(s.at.clone()));
    }
    line(&mut text, "}", None);
    (text, origins)
}

/// Drove source for `zone`. Refuses (with the zone-file lines) records whose drove form
/// `drove check` rejects, such as a CNAME beside other data.
pub fn to_drove(zone: &Zone, opts: &Options) -> Result<Imported, Vec<Error>> {
    let mut notes = Vec::new();
    if let Some(first) = zone.apex.first() {
        notes.push(format!(
            "{}: left out the apex SOA and NS records ({} in all): Route53 creates and owns them",
            first.at,
            zone.apex.len()
        ));
    }
    let sets = sets(zone, &mut notes);
    let (text, origins) = render(zone, &sets, opts);
    // Checked as part of a stack, so a fragment is not blamed for its missing stack block.
    let checked = if opts.stack.is_some() {
        text.clone()
    } else {
        format!("{text}stack imported {{ region = \"us-east-1\" }}\n")
    };
    let sources = Sources::single("import.drove", checked.clone());
    let analysis = analyze(&sources);
    let file = sources.file(0);
    let lines: Vec<&str> = checked.lines().collect();
    let mut errors = Vec::new();
    let mut warnings = 0;
    for d in &analysis.diagnostics {
        let (l, _) = file.line_col(d.primary.span.start);
        let at =
            origins.get(l).cloned().flatten().unwrap_or(Location { file: opts.file_label.clone().into(), line: 0 });
        let message = format!("{} [{}] in the drove source: {}", d.message, d.code, lines.get(l).unwrap_or(&"").trim());
        if d.severity == Severity::Error {
            errors.push(Error { at, message });
        } else {
            warnings += 1;
            if warnings <= MAX_WARNINGS_SHOWN {
                notes.push(format!("{at}: warning: {message}"));
            }
        }
    }
    if warnings > MAX_WARNINGS_SHOWN {
        notes.push(format!(
            "{} more warnings: run `drove check` on the output to see them all",
            warnings - MAX_WARNINGS_SHOWN
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let source = crate::fmt::format(&text).map_err(|ds| {
        ds.into_iter()
            .map(|d| Error {
                at: Location { file: opts.file_label.clone().into(), line: 0 },
                message: format!("internal: formatter refused the output: {}", d.message),
            })
            .collect::<Vec<_>>()
    })?;
    Ok(Imported { source, notes })
}
