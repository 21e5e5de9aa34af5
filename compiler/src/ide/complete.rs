//! Completion candidates for a position, chosen by what stands before the cursor on its
//! line and which declaration block holds it.

use super::index::{Index, SymbolKind};
use crate::catalog;
use crate::hir;
use crate::source::SourceFile;
use crate::syntax::cst::{self, Item};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Attribute,
    Name(SymbolKind),
    InstanceType,
    Zone,
    RecordType,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
}

use crate::lower::DECLARATIONS;

/// Settings of a record's routing block (`www 60 A 192.0.2.1 { … }`).
const ROUTING: &[&str] = &crate::dns::lower::ALIAS_ATTRS;
fn attributes(block: &str) -> &'static [&'static str] {
    match block {
        "stack" | "environment" => {
            &["region", "state", "tags", "max_delete", "max_zone_delete", "recipients", "ignore_tags"]
        }
        "network" => &["cidr", "subnet"],
        "subnet" => &["cidr", "zone", "public", "nat"],
        "firewall" => &["description", "group_name", "allow"],
        "role" => &[
            "image",
            "type",
            "firewall",
            "disk",
            "public_ip",
            "imdsv2",
            "encrypted",
            "provision",
            "access",
            "drain",
            "drain_timeout",
            "batch",
            "secrets",
        ],
        "provision" => &["package", "user", "file", "run", "service"],
        "access" => &["s3", "parameter", "logs"],
        "balancer" => &["type", "internal", "subnets", "firewall", "certificate", "listen", "target"],
        "certificate" => &["domain", "names"],
        "target" => &crate::lower::balancer::TARGET_ATTRS,
        "hosts" => &["role", "count", "subnets", "protect"],
        "host" => &["role", "subnet", "ip", "protect"],
        "zone" => &["ttl", "private", "comment", "unmanaged", "ignore"],
        "healthcheck" => &["type", "host", "ip", "port", "path", "interval", "threshold"],
        _ => &[],
    }
}

/// The heads of the blocks that contain `offset`, outermost first (`["role", "provision"]`).
/// A block left open at the end of the text (being typed) ends at `len`, and still holds a
/// cursor there.
fn enclosing(items: &[Item], offset: usize, len: usize, out: &mut Vec<String>) {
    for item in items {
        if let Item::Stmt(s) = item {
            if let Some(b) = &s.block {
                if b.span.start < offset && (offset < b.span.end || offset == len) {
                    out.push(s.head().text.to_string());
                    enclosing(&b.items, offset, len, out);
                    return;
                }
            }
        }
    }
}

/// Whether the words before the cursor leave room for a routing setting's name:
/// `www 60 A 192.0.2.1 {` or `… { set = "a"`.
fn routing_key_expected(words: &[&str]) -> bool {
    let tail = match words.iter().rposition(|w| w.ends_with('{')) {
        Some(i) => &words[i + 1..],
        None => words,
    };
    tail.is_empty() || (tail.len() >= 3 && tail[tail.len() - 2] == "=")
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.*@/:%+".contains(c)
}

pub fn completions(
    stack: &hir::Stack,
    index: &Index,
    tree: &cst::File,
    file: &SourceFile,
    offset: usize,
) -> Vec<Completion> {
    let offset = offset.min(file.text.len());
    let line_start = file.text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let Some(before) = file.text.get(line_start..offset) else { return Vec::new() };
    let prefix_len = before.chars().rev().take_while(|&c| is_word_char(c)).map(char::len_utf8).sum::<usize>();
    let lead = before[..before.len() - prefix_len].trim_end();
    let mut blocks = Vec::new();
    enclosing(&tree.items, offset, file.text.len(), &mut blocks);
    // A block directly inside a zone is a record's routing block, whatever its owner name.
    let in_record = blocks.len() >= 2 && blocks[blocks.len() - 2] == "zone";
    let block = if in_record { "record" } else { blocks.last().map(String::as_str).unwrap_or("") };
    let words: Vec<&str> = lead.split_whitespace().collect();

    let mut out = Vec::new();
    let names = |kind: SymbolKind, out: &mut Vec<Completion>| {
        for s in index.symbols.iter().filter(|s| s.kind == kind) {
            out.push(Completion {
                label: s.path(index),
                kind: CompletionKind::Name(kind),
                detail: Some(kind.keyword().into()),
            });
        }
    };
    let after_eq = lead.ends_with('=') || lead.ends_with('[') || lead.ends_with(',');
    let attr = words.iter().rposition(|w| *w == "=").and_then(|i| i.checked_sub(1)).and_then(|i| words.get(i)).copied();

    match (block, attr) {
        ("role", Some("type")) if after_eq => {
            for t in catalog::instance_types::all() {
                out.push(Completion {
                    label: t.name.clone(),
                    kind: CompletionKind::InstanceType,
                    detail: Some(t.summary()),
                });
            }
        }
        ("subnet", Some("zone")) if after_eq => {
            let region = stack.info().and_then(|s| s.region.as_ref()).and_then(|r| catalog::region(&r.value));
            if let Some(r) = region {
                for z in r.zone_suffixes().into_iter().chain(r.zone_names()) {
                    out.push(Completion { label: z, kind: CompletionKind::Zone, detail: Some(r.code.clone()) });
                }
            }
        }
        ("role" | "balancer", Some("firewall")) if after_eq => names(SymbolKind::Firewall, &mut out),
        ("balancer", Some("subnets")) if after_eq => names(SymbolKind::Subnet, &mut out),
        ("balancer", Some("certificate")) if after_eq => names(SymbolKind::Certificate, &mut out),
        ("target", Some("hosts")) if after_eq => {
            names(SymbolKind::Hosts, &mut out);
            names(SymbolKind::Host, &mut out);
        }
        ("hosts" | "host", Some("role")) if after_eq => names(SymbolKind::Role, &mut out),
        ("hosts", Some("subnets")) | ("host", Some("subnet")) if after_eq => names(SymbolKind::Subnet, &mut out),
        ("firewall", _) if words.first() == Some(&"allow") && (words.contains(&"from") || words.contains(&"to")) => {
            names(SymbolKind::Firewall, &mut out);
            names(SymbolKind::Let, &mut out);
        }
        ("", _) if words.len() == 3 && words[0] == "firewall" && words[2] == "in" => {
            names(SymbolKind::Network, &mut out)
        }
        // `ignore "PATTERN" TYPE, …`: the types after the pattern.
        ("zone", None) if words.first() == Some(&"ignore") && words.len() >= 2 => {
            for t in crate::dns::rtype::RType::ALL {
                out.push(Completion {
                    label: t.as_str().to_string(),
                    kind: CompletionKind::RecordType,
                    detail: Some("record type to ignore".into()),
                });
            }
        }
        ("role", Some("secrets")) if after_eq => {
            for (delivery, detail) in [
                (
                    "parameter_store",
                    "SSM Parameter Store, read by the hosts at boot with their instance role (default)",
                ),
                ("user_data", "embedded in the user data, readable by whoever may describe the instance (W0035)"),
            ] {
                out.push(Completion {
                    label: delivery.into(),
                    kind: CompletionKind::Keyword,
                    detail: Some(detail.into()),
                });
            }
        }
        // `s3 "BUCKET/*" read, write`: the modes after the pattern.
        ("access", None) if words.len() >= 2 => {
            for mode in crate::lower::access::MODES {
                out.push(Completion {
                    label: mode.into(),
                    kind: CompletionKind::Keyword,
                    detail: Some(format!("{mode} access")),
                });
            }
        }
        ("zone", Some("unmanaged")) if after_eq => {
            for (policy, detail) in [
                ("keep", "records the zone does not declare are listed in plans and left alone"),
                ("delete", "records the zone does not declare are deleted"),
            ] {
                out.push(Completion {
                    label: policy.into(),
                    kind: CompletionKind::Keyword,
                    detail: Some(detail.into()),
                });
            }
        }
        ("zone", None) if (1..=2).contains(&words.len()) => {
            for t in crate::dns::rtype::RType::ALL {
                out.push(Completion {
                    label: t.as_str().to_string(),
                    kind: CompletionKind::RecordType,
                    detail: Some("record type".into()),
                });
            }
        }
        ("zone", Some("private")) if after_eq => names(SymbolKind::Network, &mut out),
        ("record", Some("health")) if after_eq => names(SymbolKind::HealthCheck, &mut out),
        ("record", Some("failover")) if after_eq => {
            for f in ["primary", "secondary"] {
                out.push(Completion {
                    label: f.into(),
                    kind: CompletionKind::Keyword,
                    detail: Some("failover role".into()),
                });
            }
        }
        ("record", Some("region")) if after_eq => {
            for r in catalog::regions::all() {
                out.push(Completion {
                    label: r.code.clone(),
                    kind: CompletionKind::Zone,
                    detail: Some("latency region".into()),
                });
            }
        }
        // After the `{` of a routing block, or after a complete `key = value` in it.
        ("record", None) if routing_key_expected(&words) => {
            for a in ROUTING {
                out.push(Completion {
                    label: a.to_string(),
                    kind: CompletionKind::Attribute,
                    detail: Some("routing".into()),
                });
            }
        }
        ("", None) if words.is_empty() => {
            for k in DECLARATIONS {
                out.push(Completion { label: k.to_string(), kind: CompletionKind::Keyword, detail: None });
            }
        }
        (b, None) if words.is_empty() => {
            for a in attributes(b) {
                out.push(Completion {
                    label: a.to_string(),
                    kind: CompletionKind::Attribute,
                    detail: Some(format!("in {b}")),
                });
            }
        }
        _ => {
            for kind in [
                SymbolKind::Let,
                SymbolKind::Network,
                SymbolKind::Subnet,
                SymbolKind::Firewall,
                SymbolKind::Role,
                SymbolKind::Hosts,
                SymbolKind::Host,
            ] {
                names(kind, &mut out);
            }
        }
    }
    out
}
