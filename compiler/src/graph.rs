//! The stack as a picture: every resource of the desired state and what it needs, as
//! Graphviz DOT or a Mermaid flowchart. Networks are clusters holding their subnets, which
//! hold their instances; zones hold their records. An arrow `A → B` reads "A needs B":
//! B is created first (from `depends_on` and every `{"ref"}` in the attributes), so a
//! record filled from a host points at the host.

use crate::model::{DesiredState, Resource, Spec};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A group drawn around resources: a network, a subnet or a zone.
struct Cluster {
    label: String,
    parent: Option<usize>,
}

struct Graph<'a> {
    nodes: Vec<&'a Resource>,
    /// The cluster each node is drawn in.
    place: Vec<Option<usize>>,
    clusters: Vec<Cluster>,
    /// (from, to): `from` needs `to`. In resource order, without duplicates.
    edges: Vec<(usize, usize)>,
}

/// Every address a resource names: its `depends_on`, then its references in order.
fn needs(r: &Resource) -> Vec<String> {
    let mut out = r.depends_on.clone();
    out.extend(r.references());
    out
}

/// The last segment of an address (`network.main.subnet.public-a` → `public-a`).
fn short_name<'r>(r: &'r Resource, prefix: &str) -> &'r str {
    r.address.strip_prefix(prefix).unwrap_or(&r.address)
}

impl<'a> Graph<'a> {
    fn build(state: &'a DesiredState) -> Self {
        let nodes: Vec<&Resource> = state.resources.iter().collect();
        let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, r)| (r.address.as_str(), i)).collect();
        let mut clusters = Vec::new();
        // Node index of a network, subnet or zone → its cluster.
        let mut own: HashMap<usize, usize> = HashMap::new();
        for (i, r) in nodes.iter().enumerate() {
            let label = match &r.spec {
                Spec::Vpc(_) => format!("network {}", short_name(r, "network.")),
                Spec::HostedZone(z) => format!("zone {}", z.name),
                _ => continue,
            };
            own.insert(i, clusters.len());
            clusters.push(Cluster { label, parent: None });
        }
        for (i, r) in nodes.iter().enumerate() {
            if !matches!(r.spec, Spec::Subnet(_)) {
                continue;
            }
            let parent = r.container().and_then(|a| index.get(a)).and_then(|n| own.get(n)).copied();
            let name = r.address.rsplit(".subnet.").next().unwrap_or(&r.address);
            own.insert(i, clusters.len());
            clusters.push(Cluster { label: format!("subnet {name}"), parent });
        }

        let cluster_of = |addr: Option<&str>| addr.and_then(|a| index.get(a)).and_then(|n| own.get(n)).copied();
        let mut place: Vec<Option<usize>> = vec![None; nodes.len()];
        for (i, r) in nodes.iter().enumerate() {
            place[i] = own.get(&i).copied().or_else(|| cluster_of(r.container()));
        }
        // Rules of a security group sit with their group.
        for (i, r) in nodes.iter().enumerate() {
            if place[i].is_none() {
                if let Some(&g) = r.container().and_then(|a| index.get(a)) {
                    place[i] = place[g];
                }
            }
        }

        let mut edges = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, r) in nodes.iter().enumerate() {
            for addr in needs(r) {
                if let Some(&j) = index.get(addr.as_str()) {
                    if j != i && seen.insert((i, j)) {
                        edges.push((i, j));
                    }
                }
            }
        }
        Graph { nodes, place, clusters, edges }
    }

    /// Clusters in order, each followed by what it holds: calls `open` for a cluster,
    /// `node` for a node and `close` at a cluster's end, with the nesting depth.
    fn walk(
        &self,
        out: &mut String,
        open: impl Fn(&mut String, usize, &Cluster, usize),
        node: impl Fn(&mut String, usize, &Resource, usize),
        close: impl Fn(&mut String, usize),
    ) {
        fn visit<'g>(
            g: &'g Graph,
            out: &mut String,
            cluster: Option<usize>,
            depth: usize,
            open: &dyn Fn(&mut String, usize, &Cluster, usize),
            node: &dyn Fn(&mut String, usize, &Resource, usize),
            close: &dyn Fn(&mut String, usize),
        ) {
            for (i, r) in g.nodes.iter().enumerate() {
                if g.place[i] == cluster {
                    node(out, i, r, depth);
                }
            }
            // Clusters nest at most network → subnet, so this recursion is shallow.
            if depth > 3 {
                return;
            }
            for (c, cl) in g.clusters.iter().enumerate() {
                if cl.parent == cluster && Some(c) != cluster {
                    open(out, c, cl, depth);
                    visit(g, out, Some(c), depth + 1, open, node, close);
                    close(out, depth);
                }
            }
        }
        visit(self, out, None, 1, &open, &node, &close);
    }
}

fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph in Graphviz DOT (`dot -Tsvg`).
pub fn to_dot(state: &DesiredState) -> String {
    let g = Graph::build(state);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&format!("stack {}", state.stack.name)));
    out.push_str("  rankdir = LR\n  node [shape = box, fontname = \"Helvetica\"]\n  edge [fontname = \"Helvetica\"]\n");
    g.walk(
        &mut out,
        |out, c, cl, depth| {
            let pad = "  ".repeat(depth);
            let _ = writeln!(out, "{pad}subgraph cluster_{c} {{\n{pad}  label = {}", dot_quote(&cl.label));
        },
        |out, _, r, depth| {
            let pad = "  ".repeat(depth);
            let label = format!("{}\n{}", r.address, r.kind());
            let style = if r.protect { ", style = bold" } else { "" };
            let _ = writeln!(out, "{pad}{} [label = {}{style}]", dot_quote(&r.address), dot_quote(&label));
        },
        |out, depth| {
            let _ = writeln!(out, "{}}}", "  ".repeat(depth));
        },
    );
    for &(from, to) in &g.edges {
        let _ = writeln!(out, "  {} -> {}", dot_quote(&g.nodes[from].address), dot_quote(&g.nodes[to].address));
    }
    out.push_str("}\n");
    out
}

/// Mermaid labels are HTML-ish: quotes, angle brackets and `#` become entities.
fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push_str("<br/>"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph as a Mermaid `flowchart` (renders in GitHub Markdown).
pub fn to_mermaid(state: &DesiredState) -> String {
    let g = Graph::build(state);
    let mut out = String::from("flowchart LR\n");
    g.walk(
        &mut out,
        |out, c, cl, depth| {
            let _ = writeln!(out, "{}subgraph c{c}[{}]", "  ".repeat(depth), mermaid_label(&cl.label));
        },
        |out, i, r, depth| {
            let _ =
                writeln!(out, "{}n{i}[{}]", "  ".repeat(depth), mermaid_label(&format!("{}\n{}", r.address, r.kind())));
        },
        |out, depth| {
            let _ = writeln!(out, "{}end", "  ".repeat(depth));
        },
    );
    for &(from, to) in &g.edges {
        let _ = writeln!(out, "  n{from} --> n{to}");
    }
    for (i, r) in g.nodes.iter().enumerate() {
        if r.protect {
            let _ = writeln!(out, "  style n{i} stroke-width:3px");
        }
    }
    out
}

#[cfg(test)]
mod tests;
