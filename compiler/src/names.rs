//! The symbol table: every declared name by kind, and the resolution of name uses.
//!
//! Each kind is its own namespace (`role app` and `hosts app` may coexist), except kinds
//! one reference position resolves among (a firewall and a `let`, a hosts group and a
//! host), which may not share a name (E0107); subnets are named `NETWORK.SUBNET`. Resolution reports unknown names (E0100, with did-you-mean and
//! a quick fix), names of the wrong kind (E0102, "`web` is a role, expected a firewall")
//! and malformed paths (E0106). Duplicates are E0101; the stack block is E0103 (missing)
//! and E0104 (more than one).

use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{self, Ident, Ref, Spanned};
use crate::source::{FileId, Span};
use crate::syntax::cst::Expr;
use ipnet::IpNet;
use std::collections::HashMap;

pub const E_UNKNOWN_NAME: &str = "E0100";
pub const E_DUPLICATE: &str = "E0101";
pub const E_WRONG_KIND: &str = "E0102";
pub const E_NO_STACK: &str = "E0103";
pub const E_TWO_STACKS: &str = "E0104";
pub const E_BAD_PATH: &str = "E0106";
pub const E_AMBIGUOUS_NAME: &str = "E0107";

/// Kinds that one reference position resolves among, so a name may not be declared as
/// both: `allow … from NAME` takes a firewall or a `let`, a balancer target's `hosts`
/// a hosts group or a host. Rename refuses names these would make ambiguous.
pub const SHARED_NAMESPACES: [[Kind; 2]; 2] = [[Kind::Firewall, Kind::Let], [Kind::Hosts, Kind::Host]];

/// The kinds a name of `kind` must not share its name with: its own, and those a
/// reference position could confuse it with.
pub fn clashing_kinds(kind: Kind) -> Vec<Kind> {
    let mut out = vec![kind];
    for group in SHARED_NAMESPACES.iter().filter(|g| g.contains(&kind)) {
        out.extend(group.iter().copied().filter(|k| *k != kind));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Stack,
    Let,
    Network,
    Subnet,
    Firewall,
    Role,
    Hosts,
    Host,
    Secret,
    Zone,
    HealthCheck,
    Balancer,
    /// A balancer's `target` block, named within its balancer (editor features only).
    BalancerTarget,
    Certificate,
    /// `use NAME = "PATH"`: another stack, whose names follow `NAME.`.
    Use,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Stack,
        Kind::Let,
        Kind::Network,
        Kind::Subnet,
        Kind::Firewall,
        Kind::Role,
        Kind::Hosts,
        Kind::Host,
        Kind::Secret,
        Kind::Zone,
        Kind::HealthCheck,
        Kind::Balancer,
        Kind::BalancerTarget,
        Kind::Certificate,
        Kind::Use,
    ];

    /// The declaration keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Stack => "stack",
            Kind::Let => "let",
            Kind::Network => "network",
            Kind::Subnet => "subnet",
            Kind::Firewall => "firewall",
            Kind::Role => "role",
            Kind::Hosts => "hosts",
            Kind::Host => "host",
            Kind::Secret => "secret",
            Kind::Zone => "zone",
            Kind::HealthCheck => "healthcheck",
            Kind::Balancer => "balancer",
            Kind::BalancerTarget => "target",
            Kind::Certificate => "certificate",
            Kind::Use => "use",
        }
    }

    /// "a firewall", for messages.
    pub fn article(self) -> &'static str {
        match self {
            Kind::Stack => "the stack",
            Kind::Let => "a constant (`let`)",
            Kind::Network => "a network",
            Kind::Subnet => "a subnet",
            Kind::Firewall => "a firewall",
            Kind::Role => "a role",
            Kind::Hosts => "a hosts group",
            Kind::Host => "a host",
            Kind::Secret => "a secret",
            Kind::Zone => "a zone",
            Kind::HealthCheck => "a health check",
            Kind::Balancer => "a balancer",
            Kind::BalancerTarget => "a balancer's target",
            Kind::Certificate => "a certificate",
            Kind::Use => "a used stack",
        }
    }
}

/// One declared name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: Kind,
    /// As referenced: `web`, `main.public-a`, `db.yml`.
    pub name: String,
    pub file: FileId,
    /// The span of the name in the declaration.
    pub span: Span,
}

#[derive(Debug, Default, Clone)]
pub struct Symbols {
    list: Vec<Symbol>,
    index: HashMap<(Kind, String), usize>,
    /// The stacks `use` names, loaded: `NAME.…` resolves in theirs.
    used: HashMap<String, std::sync::Arc<hir::UsedStack>>,
}

impl Symbols {
    /// Collects every declaration of the stack, reporting duplicates and the stack block
    /// rules. Zones and health checks are added by the DNS part with [`Symbols::add`].
    pub fn build(stack: &hir::Stack, sink: &mut Sink) -> Symbols {
        let mut s = Symbols::default();
        match stack.stacks.as_slice() {
            [] => {
                let file = first_file(stack);
                sink.push(
                    Diagnostic::new(E_NO_STACK, file, 0..0, "this stack has no `stack` block")
                        .with_label("no `stack { … }` in any file")
                        .with_help("add `stack NAME { region = \"ap-northeast-1\" }` to one of the files"),
                );
            }
            [first, rest @ ..] => {
                s.add(Kind::Stack, &first.name.text, first.file, first.name.span.clone(), sink);
                for other in rest {
                    sink.push(
                        Diagnostic::new(
                            E_TWO_STACKS,
                            other.file,
                            other.name.span.clone(),
                            "a stack has exactly one `stack` block",
                        )
                        .with_label("second `stack` block")
                        .with_secondary(first.file, first.name.span.clone(), "first `stack` block here")
                        .with_help("merge the two blocks; one directory of `.drove` files is one stack"),
                    );
                }
            }
        }
        for l in &stack.lets {
            s.add(Kind::Let, &l.name.text, l.file, l.name.span.clone(), sink);
        }
        for n in &stack.networks {
            s.add(Kind::Network, &n.name.text, n.file, n.name.span.clone(), sink);
            for sub in &n.subnets {
                s.add(Kind::Subnet, &format!("{}.{}", n.name.text, sub.name.text), n.file, sub.name.span.clone(), sink);
            }
        }
        for f in &stack.firewalls {
            s.add(Kind::Firewall, &f.name.text, f.file, f.name.span.clone(), sink);
        }
        for r in &stack.roles {
            s.add(Kind::Role, &r.name.text, r.file, r.name.span.clone(), sink);
        }
        for h in &stack.hosts {
            s.add(Kind::Hosts, &h.name.text, h.file, h.name.span.clone(), sink);
        }
        for h in &stack.host {
            s.add(Kind::Host, &h.name.text, h.file, h.name.span.clone(), sink);
        }
        for x in &stack.secrets {
            s.add(Kind::Secret, &x.name.text, x.file, x.name.span.clone(), sink);
        }
        for b in &stack.balancers {
            s.add(Kind::Balancer, &b.name.text, b.file, b.name.span.clone(), sink);
        }
        for c in &stack.certificates {
            s.add(Kind::Certificate, &c.name.text, c.file, c.name.span.clone(), sink);
        }
        for u in &stack.uses {
            // Two uses of one name are reported by `crate::uses`.
            if s.get(Kind::Use, &u.name.text).is_none() {
                s.add(Kind::Use, &u.name.text, u.file, u.name.span.clone(), sink);
            }
            if let Some(t) = &u.target {
                s.used.entry(u.name.text.clone()).or_insert_with(|| t.clone());
            }
        }
        s.report_shared_names(sink);
        s
    }

    /// E0107: a name declared as two kinds that one reference position resolves among.
    /// Without it, which declaration `allow tcp 22 from office` means would depend on
    /// the order the checker tries them in.
    fn report_shared_names(&self, sink: &mut Sink) {
        for [a, b] in SHARED_NAMESPACES {
            for first in self.list.iter().filter(|s| s.kind == a) {
                let Some(second) = self.get(b, &first.name) else { continue };
                // Reported at the later declaration, as duplicates are.
                let (early, late) = if (first.file, first.span.start) <= (second.file, second.span.start) {
                    (first, second)
                } else {
                    (second, first)
                };
                let name = &first.name;
                let place = match a {
                    Kind::Firewall => format!("`allow … from {name}`"),
                    _ => format!("a balancer target's `hosts = [{name}]`"),
                };
                sink.push(
                    Diagnostic::new(
                        E_AMBIGUOUS_NAME,
                        late.file,
                        late.span.clone(),
                        format!("`{name}` is declared as both {} and {}", early.kind.article(), late.kind.article()),
                    )
                    .with_label(format!("{} `{name}`", late.kind.keyword()))
                    .with_secondary(
                        early.file,
                        early.span.clone(),
                        format!("{} `{name}` declared here", early.kind.keyword()),
                    )
                    .with_help(format!("{place} could mean either; rename one of them")),
                );
            }
        }
    }

    /// Declares a name; a second declaration of the same kind and name is E0101.
    pub fn add(&mut self, kind: Kind, name: &str, file: FileId, span: Span, sink: &mut Sink) {
        if let Some(&i) = self.index.get(&(kind, name.to_string())) {
            if let Some(first) = self.list.get(i) {
                let what = kind.keyword();
                // A subnet is keyed `NETWORK.SUBNET`; its declaration names the last part.
                let (parent, own) = name.rsplit_once('.').map_or(("", name), |(p, o)| (p, o));
                let free = (2..)
                    .map(|n| format!("{own}-{n}"))
                    .find(|n| {
                        let key = if parent.is_empty() { n.clone() } else { format!("{parent}.{n}") };
                        self.get(kind, &key).is_none()
                    })
                    .unwrap_or_default();
                sink.push(
                    Diagnostic::new(E_DUPLICATE, file, span.clone(), format!("{what} `{name}` is declared twice"))
                        .with_label("declared again here")
                        .with_secondary(first.file, first.span.clone(), "first declared here")
                        .with_help(format!("rename one of them or remove the duplicate {what}"))
                        .with_fix(format!("rename this one to `{free}`"), file, span, free.clone()),
                );
            }
            return;
        }
        self.index.insert((kind, name.to_string()), self.list.len());
        self.list.push(Symbol { kind, name: name.to_string(), file, span });
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<&Symbol> {
        self.index.get(&(kind, name.to_string())).and_then(|&i| self.list.get(i))
    }

    pub fn all(&self) -> &[Symbol] {
        &self.list
    }

    pub fn names_of(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.list.iter().filter(move |s| s.kind == kind).map(|s| s.name.as_str())
    }

    /// Resolves a name use to a declaration of one of `kinds` (tried in order), reporting
    /// E0100 / E0102 / E0106 at the use. `file` is the file holding the use.
    /// The used stack a reference starts with, and the rest of the reference, which names
    /// a declaration of that stack. `Err(())` when it starts with a use that did not load
    /// (reported at the use), so the reference stays silent.
    #[allow(clippy::result_unit_err)]
    pub fn across(&self, r: &Ref) -> Option<Result<(&hir::UsedStack, Ref), ()>> {
        let [first, rest @ ..] = r.segments.as_slice() else { return None };
        if rest.is_empty() || self.get(Kind::Use, &first.text).is_none() {
            return None;
        }
        let Some(used) = self.used.get(&first.text) else { return Some(Err(())) };
        let start = rest[0].span.start;
        let text = r.text.get(first.text.len() + 1..).unwrap_or_default().to_string();
        Some(Ok((used, Ref { text, span: start..r.span.end, segments: rest.to_vec() })))
    }

    /// Resolves the rest of a reference in a used stack's names. Its diagnostics point at
    /// the reference here; labels in the other stack's files are dropped (their file ids
    /// mean nothing here) and the message says which stack was searched.
    fn resolve_across<'s>(
        used: &'s hir::UsedStack,
        use_name: &str,
        sink: &mut Sink,
        resolve: impl FnOnce(&'s Symbols, &mut Sink) -> Option<&'s Symbol>,
    ) -> Option<&'s Symbol> {
        let mut own = Sink::default();
        let found = resolve(&used.symbols, &mut own);
        for mut d in own.diagnostics {
            d.secondary.clear();
            d.message = format!("{} (in the stack at `{}`)", d.message, used.path);
            // The suggestion as it is written here: `net.main.public-a`, not `main.public-a`.
            if let Some(h) = &mut d.help {
                *h = h.replace("did you mean `", &format!("did you mean `{use_name}."));
            }
            sink.push(d);
        }
        found
    }

    pub fn resolve_any(&self, kinds: &[Kind], file: FileId, r: &Ref, sink: &mut Sink) -> Option<&Symbol> {
        match self.across(r) {
            Some(Ok((used, rest))) => {
                return Self::resolve_across(used, &r.segments[0].text, sink, |s, sink| {
                    s.resolve_any(kinds, file, &rest, sink)
                });
            }
            Some(Err(())) => return None,
            None => {}
        }
        let expected = kinds.iter().map(|k| k.article()).collect::<Vec<_>>().join(" or ");
        if kinds.contains(&Kind::Subnet) {
            return self.resolve_subnet(file, r, sink);
        }
        if r.segments.len() != 1 {
            sink.push(
                Diagnostic::new(
                    E_BAD_PATH,
                    file,
                    r.span.clone(),
                    format!("expected {expected}, found the path `{}`", r.text),
                )
                .with_label("a plain name is expected here"),
            );
            return None;
        }
        if let Some(s) = kinds.iter().find_map(|k| self.get(*k, &r.text)) {
            return Some(s);
        }
        self.unknown(kinds, &expected, file, &r.text, r.span.clone(), sink);
        None
    }

    pub fn resolve(&self, kind: Kind, file: FileId, r: &Ref, sink: &mut Sink) -> Option<&Symbol> {
        self.resolve_any(&[kind], file, r, sink)
    }

    /// Resolves a name given as an identifier (e.g. a secret name from `secret("db.yml")`).
    pub fn resolve_ident(&self, kind: Kind, file: FileId, name: &Ident, sink: &mut Sink) -> Option<&Symbol> {
        if let Some(s) = self.get(kind, &name.text) {
            return Some(s);
        }
        self.unknown(&[kind], kind.article(), file, &name.text, name.span.clone(), sink);
        None
    }

    fn unknown(&self, kinds: &[Kind], expected: &str, file: FileId, name: &str, span: Span, sink: &mut Sink) {
        // Declared, but as something else: say what it is.
        if let Some(other) =
            Kind::ALL.iter().filter(|k| !kinds.contains(k) && **k != Kind::Stack).find_map(|k| self.get(*k, name))
        {
            sink.push(
                Diagnostic::new(
                    E_WRONG_KIND,
                    file,
                    span,
                    format!("`{name}` is {}, expected {expected}", other.kind.article()),
                )
                .with_label(format!("expected {expected}"))
                .with_secondary(
                    other.file,
                    other.span.clone(),
                    format!("`{name}` is declared here as {}", other.kind.article()),
                ),
            );
            return;
        }
        let candidates: Vec<&str> = kinds.iter().flat_map(|k| self.names_of(*k)).collect();
        let mut d = Diagnostic::new(E_UNKNOWN_NAME, file, span.clone(), format!("unknown {}: `{name}`", noun(kinds)))
            .with_label(format!("no {} of this name", noun(kinds)));
        if let Some(s) = did_you_mean(name, candidates.iter().copied()) {
            let replacement = if kinds == [Kind::Secret] { format!("\"{s}\"") } else { s.to_string() };
            d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                format!("replace with `{s}`"),
                file,
                span,
                replacement,
            );
        } else if candidates.is_empty() {
            d = d.with_help(format!("declare it with `{} …`", kinds.first().map(|k| k.keyword()).unwrap_or("let")));
        } else {
            let mut c = candidates.clone();
            c.sort_unstable();
            c.truncate(8);
            d = d.with_help(format!("known: {}", c.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")));
        }
        sink.push(d);
    }

    /// `NETWORK.SUBNET` → the subnet symbol.
    pub fn resolve_subnet(&self, file: FileId, r: &Ref, sink: &mut Sink) -> Option<&Symbol> {
        match self.across(r) {
            Some(Ok((used, rest))) => {
                return Self::resolve_across(used, &r.segments[0].text, sink, |s, sink| {
                    s.resolve_subnet(file, &rest, sink)
                });
            }
            Some(Err(())) => return None,
            None => {}
        }
        match r.segments.as_slice() {
            [net, sub] => {
                if self.get(Kind::Network, &net.text).is_none() {
                    let one = Ref { text: net.text.clone(), span: net.span.clone(), segments: vec![net.clone()] };
                    self.resolve(Kind::Network, file, &one, sink);
                    return None;
                }
                if let Some(s) = self.get(Kind::Subnet, &r.text) {
                    return Some(s);
                }
                let prefix = format!("{}.", net.text);
                let siblings: Vec<&str> = self.names_of(Kind::Subnet).filter_map(|n| n.strip_prefix(&prefix)).collect();
                let mut d = Diagnostic::new(
                    E_UNKNOWN_NAME,
                    file,
                    sub.span.clone(),
                    format!("network `{}` has no subnet `{}`", net.text, sub.text),
                )
                .with_label("unknown subnet");
                if let Some(s) = did_you_mean(&sub.text, siblings.iter().copied()) {
                    d = d.with_help(format!("did you mean `{}.{s}`?", net.text)).with_fix(
                        format!("replace with `{s}`"),
                        file,
                        sub.span.clone(),
                        s,
                    );
                } else if !siblings.is_empty() {
                    d = d.with_help(format!(
                        "its subnets: {}",
                        siblings.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                sink.push(d);
                None
            }
            [single] => {
                let holders: Vec<&str> = self
                    .names_of(Kind::Subnet)
                    .filter(|n| n.rsplit_once('.').is_some_and(|(_, s)| s == single.text))
                    .collect();
                let mut d = Diagnostic::new(
                    E_BAD_PATH,
                    file,
                    r.span.clone(),
                    format!("a subnet is named `NETWORK.SUBNET`, found `{}`", r.text),
                )
                .with_label("network missing");
                if let [full] = holders.as_slice() {
                    d = d.with_help(format!("write `{full}`")).with_fix(
                        format!("replace with `{full}`"),
                        file,
                        r.span.clone(),
                        *full,
                    );
                } else {
                    d = d.with_help(format!("write `NETWORK.{}`", r.text));
                }
                sink.push(d);
                None
            }
            _ => {
                sink.push(
                    Diagnostic::new(E_BAD_PATH, file, r.span.clone(), format!("`{}` is not a subnet path", r.text))
                        .with_label("expected `NETWORK.SUBNET`"),
                );
                None
            }
        }
    }

    /// `hosts.NAME.ATTR` or `host.NAME.ATTR` (an instance address) → the declaration and
    /// the attribute (`public_ip` or `private_ip`).
    pub fn resolve_address<'r>(&self, file: FileId, r: &'r Ref, sink: &mut Sink) -> Option<(&Symbol, &'r Ident)> {
        match self.across(r) {
            Some(Ok((used, rest))) if r.segments.len() == 4 => {
                let attr = r.segments.last()?;
                let found = Self::resolve_across(used, &r.segments[0].text, sink, |s, sink| {
                    s.resolve_address(file, &rest, sink).map(|(sym, _)| sym)
                })?;
                return Some((found, attr));
            }
            Some(Err(())) => return None,
            _ => {}
        }
        let [group, name, attr] = r.segments.as_slice() else {
            sink.push(
                Diagnostic::new(E_BAD_PATH, file, r.span.clone(), format!("`{}` is not an address reference", r.text))
                    .with_label("expected `hosts.NAME.public_ip` or `host.NAME.private_ip`"),
            );
            return None;
        };
        let kind = match group.text.as_str() {
            "hosts" => Kind::Hosts,
            "host" => Kind::Host,
            _ => {
                let mut d = Diagnostic::new(
                    E_BAD_PATH,
                    file,
                    group.span.clone(),
                    format!("`{}` does not name instances", group.text),
                )
                .with_label("expected `hosts` or `host`");
                if let Some(s) = did_you_mean(&group.text, ["hosts", "host"]) {
                    d = d.with_replacement(file, group.span.clone(), s);
                }
                sink.push(d);
                return None;
            }
        };
        let one = Ref { text: name.text.clone(), span: name.span.clone(), segments: vec![name.clone()] };
        let sym = self.resolve(kind, file, &one, sink)?;
        const ATTRS: [&str; 2] = ["public_ip", "private_ip"];
        if !ATTRS.contains(&attr.text.as_str()) {
            let mut d = Diagnostic::new(
                E_BAD_PATH,
                file,
                attr.span.clone(),
                format!("instances have no attribute `{}`", attr.text),
            )
            .with_label("expected `public_ip` or `private_ip`");
            if let Some(s) = did_you_mean(&attr.text, ATTRS) {
                d = d.with_replacement(file, attr.span.clone(), s);
            }
            sink.push(d);
            return None;
        }
        Some((sym, attr))
    }
}

fn noun(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.keyword()).collect::<Vec<_>>().join(" or ")
}

fn first_file(stack: &hir::Stack) -> FileId {
    let files = stack
        .lets
        .iter()
        .map(|x| x.file)
        .chain(stack.networks.iter().map(|x| x.file))
        .chain(stack.firewalls.iter().map(|x| x.file))
        .chain(stack.roles.iter().map(|x| x.file))
        .chain(stack.hosts.iter().map(|x| x.file))
        .chain(stack.host.iter().map(|x| x.file))
        .chain(stack.secrets.iter().map(|x| x.file));
    files.min().unwrap_or(0)
}

/// The CIDRs a `let` constant holds (a CIDR or a list of them), or the span of the first
/// member that is not one.
pub fn let_cidrs(l: &hir::Let) -> Result<Vec<Spanned<IpNet>>, Span> {
    let members: Vec<&Expr> = match &l.value {
        Expr::List(list) => list.items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for m in members {
        match m {
            Expr::Word(w) => match crate::literal::cidr(&w.text) {
                Ok(net) => out.push(Spanned::new(net, w.span.clone())),
                // A CIDR with host bits, reported once at the `let` (lowering); left out
                // rather than reported again at every use. Nothing is compiled from a
                // stack with errors, so leaving it out changes no output.
                Err(e) if e.code == crate::literal::E_CIDR_HOST_BITS => {}
                Err(_) => return Err(w.span.clone()),
            },
            other => return Err(other.span()),
        }
    }
    Ok(out)
}

/// Resolves every name use of the declarations lowered here (not DNS): firewall networks,
/// role firewalls, hosts and host roles and subnets, secrets used by provisioning, and
/// firewall rule peers that are names (a firewall or a `let`).
pub fn check(stack: &hir::Stack, symbols: &Symbols, sink: &mut Sink) {
    for f in &stack.firewalls {
        if let Some(n) = &f.network {
            symbols.resolve(Kind::Network, f.file, n, sink);
        }
        for rule in &f.rules {
            for peer in &rule.peers {
                if let hir::Peer::Name(r) = peer {
                    symbols.resolve_any(&[Kind::Firewall, Kind::Let], f.file, r, sink);
                }
            }
        }
    }
    for r in &stack.roles {
        for fw in &r.firewalls {
            symbols.resolve(Kind::Firewall, r.file, fw, sink);
        }
        for step in &r.provision {
            if let hir::StepKind::File { content, .. } = &step.kind {
                if let hir::FileContent::Secret(name) = &content.value {
                    symbols.resolve_ident(Kind::Secret, r.file, name, sink);
                }
            }
        }
    }
    for h in &stack.hosts {
        if let Some(role) = &h.role {
            symbols.resolve(Kind::Role, h.file, role, sink);
        }
        for s in &h.subnets {
            symbols.resolve_subnet(h.file, s, sink);
        }
    }
    for h in &stack.host {
        if let Some(role) = &h.role {
            symbols.resolve(Kind::Role, h.file, role, sink);
        }
        if let Some(s) = &h.subnet {
            symbols.resolve_subnet(h.file, s, sink);
        }
    }
    for b in &stack.balancers {
        if let Some(n) = &b.network {
            symbols.resolve(Kind::Network, b.file, n, sink);
        }
        for s in &b.subnets {
            symbols.resolve_subnet(b.file, s, sink);
        }
        for fw in &b.firewalls {
            symbols.resolve(Kind::Firewall, b.file, fw, sink);
        }
        if let Some(crate::hir::CertificateUse::Declared(c)) = &b.certificate {
            symbols.resolve(Kind::Certificate, b.file, c, sink);
        }
        for t in &b.targets {
            for h in &t.hosts {
                symbols.resolve_any(&[Kind::Hosts, Kind::Host], b.file, h, sink);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Diagnostic;
    use crate::source::Sources;

    const HEAD: &str = "stack s { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet public-a { cidr = 10.0.1.0/24  zone = a }\n}\n";

    fn diags(text: &str) -> (String, Vec<Diagnostic>) {
        let full = format!("{HEAD}{text}");
        let a = crate::analyze(&Sources::single("t.drove", full.clone()));
        (full, a.diagnostics)
    }

    fn at<'t>(text: &'t str, span: &std::ops::Range<usize>) -> &'t str {
        text.get(span.clone()).unwrap_or("")
    }

    #[test]
    fn unknown_name_points_at_the_use_with_a_fix() {
        let (t, d) = diags("firewall web in main { allow tcp 443 from 10.0.0.0/8 }\nrole app { image = image(\"b-*\")  type = t3.micro  firewall = [wep] }\n");
        let e = d.iter().find(|d| d.code == "E0100").expect("E0100");
        assert_eq!(at(&t, &e.primary.span), "wep");
        assert_eq!(e.fixes.first().map(|f| f.replacement.as_str()), Some("web"));
    }

    #[test]
    fn wrong_kind_and_duplicates_name_the_other_place() {
        let (t, d) = diags("role app { image = image(\"b-*\")  type = t3.micro  firewall = [app] }\nrole app { image = image(\"b-*\")  type = t3.micro }\n");
        let wrong = d.iter().find(|d| d.code == "E0102").expect("E0102");
        assert_eq!(wrong.message, "`app` is a role, expected a firewall");
        let dup = d.iter().find(|d| d.code == "E0101").expect("E0101");
        assert_eq!(dup.secondary[0].message, "first declared here");
        assert!(dup.primary.span.start > dup.secondary[0].span.start);
        assert_eq!(at(&t, &dup.secondary[0].span), "app");
        // The fix renames the second to a free name; references stay on the first.
        assert_eq!((dup.fixes[0].replacement.as_str(), at(&t, &dup.fixes[0].span)), ("app-2", "app"));
        assert!(dup.fixes[0].span.start > dup.secondary[0].span.start);
    }

    #[test]
    fn a_firewall_and_a_let_may_not_share_a_name() {
        let (t, d) = diags("firewall web in main { allow tcp 22 from office }\nfirewall office in main { allow tcp 443 from 10.0.0.0/8 }\nlet office = 203.0.113.0/24\nrole r { image = image(\"b-*\")  type = t3.micro }\nhosts app { role = r  count = 1  subnets = [main.public-a] }\nhost app { role = r  subnet = main.public-a }\n");
        let found: Vec<_> = d.iter().filter(|d| d.code == "E0107").collect();
        assert_eq!(found.len(), 2, "{d:#?}");
        let fw = found.iter().find(|d| d.message.contains("office")).expect("office");
        assert_eq!(fw.message, "`office` is declared as both a firewall and a constant (`let`)");
        assert!(t[fw.primary.span.start..].starts_with("office = "));
        assert_eq!(fw.secondary[0].message, "firewall `office` declared here");
        assert!(fw.help.as_deref().unwrap_or("").contains("allow … from office"));
        assert!(found.iter().any(|d| d.message.contains("`app`") && d.help.as_deref().unwrap_or("").contains("hosts")));
    }

    #[test]
    fn subnet_paths_resolve_per_segment() {
        let (t, d) = diags("role r { image = image(\"b-*\")  type = t3.micro }\nhosts h { role = r  count = 1  subnets = [main.public-b] }\nhost p { role = r  subnet = public-a }\n");
        let e = d.iter().find(|d| d.code == "E0100").expect("E0100");
        assert_eq!(at(&t, &e.primary.span), "public-b");
        assert_eq!(e.fixes[0].replacement, "public-a");
        let p = d.iter().find(|d| d.code == "E0106").expect("E0106");
        assert_eq!(p.fixes[0].replacement, "main.public-a");
    }

    #[test]
    fn let_constants_are_substituted_and_their_uses_recorded() {
        let text = "stack s { region = \"ap-northeast-1\" }\nlet block = 10.9.0.0/16\nnetwork n { cidr = block }\n";
        let a = crate::analyze(&Sources::single("t.drove", text));
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        assert_eq!(a.stack.networks[0].cidr.as_ref().map(|c| c.value.to_string()).as_deref(), Some("10.9.0.0/16"));
        assert_eq!(a.stack.let_uses.len(), 1);
        assert_eq!(at(text, &a.stack.let_uses[0].name.span), "block");
    }

    #[test]
    fn overlap_and_outside_have_secondary_labels() {
        let (t, d) = diags("network other {\n  cidr = 10.1.0.0/16\n  subnet a { cidr = 10.1.0.0/20  zone = a }\n  subnet b { cidr = 10.1.1.0/24  zone = a }\n  subnet c { cidr = 10.2.0.0/24  zone = a }\n}\n");
        let o = d.iter().find(|d| d.code == "E0213").expect("E0213");
        assert_eq!(at(&t, &o.primary.span), "10.1.1.0/24");
        assert_eq!(o.secondary[0].message, "overlaps 10.1.0.0/20 declared here");
        let out = d.iter().find(|d| d.code == "E0212").expect("E0212");
        assert_eq!(at(&t, &out.secondary[0].span), "10.1.0.0/16");
    }

    #[test]
    fn secrets_only_flow_into_provisioned_files() {
        let (t2, d2) = diags("role r {\n  image = image(\"b-*\")\n  type = t3.micro\n  drain = secret(\"k\")\n  provision { file \"/k\" = secret(\"k\") }\n}\nsecret \"k\" = \"YWdl\"\n");
        let flows: Vec<&Diagnostic> = d2.iter().filter(|d| d.code == "E0105").collect();
        assert_eq!(flows.len(), 1, "{d2:?}");
        assert_eq!(at(&t2, &flows[0].primary.span), "secret(\"k\")");
    }
}
