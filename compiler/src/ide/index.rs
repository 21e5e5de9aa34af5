//! Every declared name of a stack and every use of one, resolved to its declaration.

use crate::dns::hir::RecordData;
use crate::dns::rdata::{AValue, Rdata};
use crate::hir::{self, FileContent, Ident, Peer, Ref, StepKind};
use crate::source::{FileId, Span};

/// The kinds of declared names are the symbol table's (`names::Kind`).
pub use crate::names::Kind as SymbolKind;

pub type SymbolId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub file: FileId,
    /// The declared name.
    pub name_span: Span,
    /// The whole declaration.
    pub span: Span,
    /// The enclosing declaration (a subnet's network).
    pub parent: Option<SymbolId>,
}

impl Symbol {
    /// How the name is written where it is used (`main.public-a` for a subnet).
    pub fn path(&self, index: &Index) -> String {
        match self.parent.and_then(|p| index.symbols.get(p)) {
            Some(p) => format!("{}.{}", p.name, self.name),
            None => self.name.clone(),
        }
    }
}

/// A use of a declared name: the span covers only the segment naming the target
/// (`public-a` in `main.public-a`), which is what rename replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub file: FileId,
    pub span: Span,
    pub target: SymbolId,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
}

pub(super) fn contains(span: &Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

impl Index {
    pub fn build(stack: &hir::Stack) -> Index {
        let mut ix = Index::default();
        for s in &stack.stacks {
            ix.declare(SymbolKind::Stack, s.file, &s.name, &s.span, None);
        }
        for l in &stack.lets {
            ix.declare(SymbolKind::Let, l.file, &l.name, &l.span, None);
        }
        for n in &stack.networks {
            let net = ix.declare(SymbolKind::Network, n.file, &n.name, &n.span, None);
            for s in &n.subnets {
                ix.declare(SymbolKind::Subnet, n.file, &s.name, &s.span, Some(net));
            }
        }
        for f in &stack.firewalls {
            ix.declare(SymbolKind::Firewall, f.file, &f.name, &f.span, None);
        }
        for r in &stack.roles {
            ix.declare(SymbolKind::Role, r.file, &r.name, &r.span, None);
        }
        for h in &stack.hosts {
            ix.declare(SymbolKind::Hosts, h.file, &h.name, &h.span, None);
        }
        for h in &stack.host {
            ix.declare(SymbolKind::Host, h.file, &h.name, &h.span, None);
        }
        for s in &stack.secrets {
            ix.declare(SymbolKind::Secret, s.file, &s.name, &s.span, None);
        }

        for z in &stack.zones {
            ix.declare(SymbolKind::Zone, z.file, &z.ident, &z.span, None);
        }
        for h in &stack.healthchecks {
            ix.declare(SymbolKind::HealthCheck, h.file, &h.name, &h.span, None);
        }
        for b in &stack.balancers {
            let balancer = ix.declare(SymbolKind::Balancer, b.file, &b.name, &b.span, None);
            for t in &b.targets {
                ix.declare(SymbolKind::BalancerTarget, b.file, &t.name, &t.span, Some(balancer));
            }
        }
        for c in &stack.certificates {
            ix.declare(SymbolKind::Certificate, c.file, &c.name, &c.span, None);
        }

        for f in &stack.firewalls {
            let net = f.network.as_ref().and_then(|r| ix.use_name(f.file, r, &[SymbolKind::Network]));
            for rule in &f.rules {
                for peer in &rule.peers {
                    if let Peer::Name(r) = peer {
                        ix.use_firewall_or_let(f.file, r, net);
                    }
                }
            }
        }
        for r in &stack.roles {
            for fw in &r.firewalls {
                ix.use_name(r.file, fw, &[SymbolKind::Firewall]);
            }
            for step in &r.provision {
                if let StepKind::File { content, .. } = &step.kind {
                    if let FileContent::Secret(name) = &content.value {
                        ix.use_ident(r.file, name, SymbolKind::Secret, None);
                    }
                }
            }
        }
        for h in &stack.hosts {
            if let Some(role) = &h.role {
                ix.use_name(h.file, role, &[SymbolKind::Role]);
            }
            for s in &h.subnets {
                ix.use_subnet(h.file, s);
            }
        }
        for h in &stack.host {
            if let Some(role) = &h.role {
                ix.use_name(h.file, role, &[SymbolKind::Role]);
            }
            if let Some(s) = &h.subnet {
                ix.use_subnet(h.file, s);
            }
        }
        for z in &stack.zones {
            for n in &z.private {
                ix.use_name(z.file, n, &[SymbolKind::Network]);
            }
            for r in &z.records {
                if let Some(h) = &r.routing.health {
                    ix.use_name(z.file, h, &[SymbolKind::HealthCheck]);
                }
                if let RecordData::Alias(a) = &r.data {
                    if let (Some(b), None) = (&a.balancer, &a.balancer_stack) {
                        ix.use_ident(z.file, b, SymbolKind::Balancer, None);
                    }
                }
                let RecordData::Values(values) = &r.data else { continue };
                for v in values {
                    if let Rdata::A(AValue::Host(h)) = &v.data {
                        if h.stack.is_some() {
                            continue;
                        }
                        let kind = if h.group { SymbolKind::Hosts } else { SymbolKind::Host };
                        let name = Ident { text: h.name.clone(), span: h.name_span.clone() };
                        ix.use_ident(z.file, &name, kind, None);
                    }
                }
            }
        }
        for b in &stack.balancers {
            if let Some(n) = &b.network {
                ix.use_name(b.file, n, &[SymbolKind::Network]);
            }
            for s in &b.subnets {
                ix.use_subnet(b.file, s);
            }
            for fw in &b.firewalls {
                ix.use_name(b.file, fw, &[SymbolKind::Firewall]);
            }
            for t in &b.targets {
                for h in &t.hosts {
                    ix.use_name(b.file, h, &[SymbolKind::Hosts, SymbolKind::Host]);
                }
            }
            if let Some(hir::CertificateUse::Declared(c)) = &b.certificate {
                ix.use_name(b.file, c, &[SymbolKind::Certificate]);
            }
            let balancer = ix.find(SymbolKind::Balancer, &b.name.text, None);
            for l in &b.listeners {
                if let hir::ListenAction::Forward(t) = &l.action {
                    ix.use_ident(b.file, t, SymbolKind::BalancerTarget, balancer);
                }
            }
        }
        for u in &stack.let_uses {
            ix.use_ident(u.file, &u.name, SymbolKind::Let, None);
        }
        ix
    }

    fn declare(
        &mut self,
        kind: SymbolKind,
        file: FileId,
        name: &Ident,
        span: &Span,
        parent: Option<SymbolId>,
    ) -> SymbolId {
        self.symbols.push(Symbol {
            kind,
            name: name.text.clone(),
            file,
            name_span: name.span.clone(),
            span: span.clone(),
            parent,
        });
        self.symbols.len() - 1
    }

    /// The first declaration of that kind and name (duplicates are reported by the checks).
    pub fn find(&self, kind: SymbolKind, name: &str, parent: Option<SymbolId>) -> Option<SymbolId> {
        self.symbols.iter().position(|s| s.kind == kind && s.name == name && s.parent == parent)
    }

    fn use_ident(
        &mut self,
        file: FileId,
        name: &Ident,
        kind: SymbolKind,
        parent: Option<SymbolId>,
    ) -> Option<SymbolId> {
        let target = self.find(kind, &name.text, parent)?;
        self.references.push(Reference { file, span: name.span.clone(), target });
        Some(target)
    }

    /// A bare name of one of `kinds`.
    fn use_name(&mut self, file: FileId, r: &Ref, kinds: &[SymbolKind]) -> Option<SymbolId> {
        let [seg] = r.segments.as_slice() else { return None };
        kinds.iter().find_map(|&k| self.use_ident(file, seg, k, None))
    }

    /// `NETWORK.SUBNET`: both segments are uses.
    fn use_subnet(&mut self, file: FileId, r: &Ref) {
        let [net, sub] = r.segments.as_slice() else { return };
        let Some(n) = self.use_ident(file, net, SymbolKind::Network, None) else { return };
        self.use_ident(file, sub, SymbolKind::Subnet, Some(n));
    }

    fn use_firewall_or_let(&mut self, file: FileId, r: &Ref, _network: Option<SymbolId>) {
        self.use_name(file, r, &[SymbolKind::Firewall, SymbolKind::Let]);
    }

    /// The symbol declared or used at a position.
    pub fn at(&self, file: FileId, offset: usize) -> Option<SymbolId> {
        self.references
            .iter()
            .find(|r| r.file == file && contains(&r.span, offset))
            .map(|r| r.target)
            .or_else(|| self.symbols.iter().position(|s| s.file == file && contains(&s.name_span, offset)))
    }

    pub fn symbol(&self, id: SymbolId) -> Option<&Symbol> {
        self.symbols.get(id)
    }

    /// Every place that names the symbol: its declaration (when asked) and its uses.
    pub fn occurrences(&self, id: SymbolId, with_declaration: bool) -> Vec<(FileId, Span)> {
        let mut out = Vec::new();
        if with_declaration {
            if let Some(s) = self.symbols.get(id) {
                out.push((s.file, s.name_span.clone()));
            }
        }
        out.extend(self.references.iter().filter(|r| r.target == id).map(|r| (r.file, r.span.clone())));
        out
    }

    pub fn references_to(&self, id: SymbolId) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.target == id)
    }
}
