//! The reachability part of a hover on a firewall, role, hosts group, pet or balancer:
//! what the internet reaches of it and how, and whether its hosts reach out, in each
//! environment, from the compiled stack (nothing shows while the stack has errors).

use super::SymbolKind;
use crate::analysis::Analysis;
use crate::compile::compile_in;
use crate::reach::{self, Endpoint, Port};
use std::fmt::Write as _;

pub fn section(analysis: &Analysis, kind: SymbolKind, name: &str) -> Option<String> {
    let selects = |address: &str, role: &str, groups: &[String]| match kind {
        SymbolKind::Hosts => {
            address.strip_prefix("hosts.").and_then(|r| r.strip_prefix(name)).is_some_and(|r| r.starts_with('['))
        }
        SymbolKind::Host => address == format!("host.{name}"),
        SymbolKind::Role => role == name,
        SymbolKind::Firewall => groups.iter().any(|g| *g == format!("firewall.{name}")),
        SymbolKind::Balancer => address == format!("balancer.{name}"),
        _ => false,
    };
    if !matches!(
        kind,
        SymbolKind::Hosts | SymbolKind::Host | SymbolKind::Role | SymbolKind::Firewall | SymbolKind::Balancer
    ) {
        return None;
    }
    let environments: Vec<Option<&str>> = match analysis.environment_names() {
        names if names.is_empty() => vec![None],
        names => names.into_iter().map(Some).collect(),
    };
    let mut md = String::new();
    for env in environments {
        let Ok(state) = compile_in(analysis, env) else { continue };
        let (model, links) = reach::of_desired(&state);
        let chosen: Vec<String> = model
            .instances
            .iter()
            .filter(|i| selects(&i.address, &i.role, &i.groups))
            .map(|i| i.address.clone())
            .chain(model.balancers.iter().filter(|b| selects(&b.address, "", &b.groups)).map(|b| b.address.clone()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let label = env.map(|e| format!(" (in `{e}`)")).unwrap_or_default();
        let mut lines: Vec<String> = reach::exposed(&model, &links)
            .into_iter()
            .filter(|e| chosen.contains(&e.destination))
            .map(|e| {
                let port = if e.port == 0 { "every port".to_string() } else { format!("{}/{}", e.port, e.protocol) };
                format!("- {port}: {}", e.path.replace("; ", " → "))
            })
            .collect();
        lines.dedup();
        if lines.is_empty() {
            let _ = writeln!(md, "\n**From the internet**{label}: not reachable");
        } else {
            let _ = writeln!(md, "\n**From the internet**{label}:");
            for l in lines {
                let _ = writeln!(md, "{l}");
            }
        }
        let instances: Vec<String> = chosen.iter().filter(|a| !a.starts_with("balancer.")).cloned().collect();
        if let Some(first) = instances.first() {
            let src = Endpoint::Instances { name: first.clone(), addresses: vec![first.clone()] };
            let a = reach::reach(&model, &links, &src, &Endpoint::Internet, Some(Port { port: 443, protocol: "tcp" }));
            let how = a.verdicts.first().map(|v| match &v.blocked {
                None => format!("yes: {}", v.steps.join(" → ")),
                Some(b) => format!("no: {b}"),
            });
            if let Some(how) = how {
                let _ = writeln!(md, "\n**Reaches the internet** (443/tcp){label}: {how}");
            }
        }
    }
    (!md.is_empty()).then_some(md)
}
