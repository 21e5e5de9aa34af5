//! The typed declarations of a stack, after lowering and before checks.
//!
//! Every declaration keeps the file it came from and the span of its name; every
//! attribute value keeps its span; every name *use* is a [`Ref`] with a span per segment.
//! The checks point diagnostics at these spans, and the language server answers hover,
//! go-to-definition and rename from them without looking at the syntax tree again.
//!
//! Values are `Option` when the attribute is required but missing or malformed: lowering
//! already reported that, and later passes skip what they cannot know.

mod balancer;
mod certificate;
mod moved;
mod network;
mod stack;
mod uses;
mod workload;

pub use balancer::*;
pub use certificate::*;
pub use moved::*;
pub use network::*;
pub use stack::*;
pub use uses::*;
pub use workload::*;

use crate::source::{FileId, Span};

/// A declared name or a name segment, with its span in the declaration's file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// A typed value and the span of the source text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A name use: a bare name (`web`) or a dotted path (`main.public-a`,
/// `hosts.app.public_ip`). The file is the file of the declaration that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub text: String,
    pub span: Span,
    /// The `.`-separated parts with their own spans; never empty.
    pub segments: Vec<Ident>,
}

impl Ref {
    /// Splits a word into its dotted segments, keeping a span for each.
    pub fn from_word(text: &str, span: Span) -> Ref {
        let mut segments = Vec::new();
        let mut start = 0;
        for part in text.split('.') {
            let s = span.start + start;
            segments.push(Ident { text: part.to_string(), span: s..s + part.len() });
            start += part.len() + 1;
        }
        Ref { text: text.to_string(), span, segments }
    }

    pub fn first(&self) -> Option<&Ident> {
        self.segments.first()
    }
}

/// A name use located in a file; collected where a use is not stored in a declaration
/// (e.g. a `let` constant substituted into an attribute value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    pub file: FileId,
    pub name: Ident,
}

/// Everything declared in one stack, over all its files.
///
/// Zones and health checks are added by the DNS part (`crate::dns`), which lowers its own
/// declarations into fields here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    /// Every `stack` block; exactly one is valid (the names pass reports the others).
    pub stacks: Vec<StackDecl>,
    pub lets: Vec<Let>,
    pub networks: Vec<Network>,
    pub firewalls: Vec<Firewall>,
    pub roles: Vec<Role>,
    pub hosts: Vec<Hosts>,
    pub host: Vec<Host>,
    pub secrets: Vec<Secret>,
    pub zones: Vec<crate::dns::hir::Zone>,
    pub healthchecks: Vec<crate::dns::hir::HealthCheck>,
    pub balancers: Vec<Balancer>,
    pub certificates: Vec<Certificate>,
    /// `moved { … }` declarations: renames the next plan applies to the state.
    pub moved: Vec<Moved>,
    /// `use NAME = "PATH"` declarations: the other stacks this one names.
    pub uses: Vec<Use>,
    /// Uses of `let` constants that lowering substituted into attribute values.
    pub let_uses: Vec<NameUse>,
    /// The directory `file("…")` paths are relative to (that of the stack's files), where
    /// their sizes are read for the user-data limit; `None` for a stack only in memory.
    pub dir: Option<std::path::PathBuf>,
    /// The environment this stack was lowered for (`crate::environment`), if any.
    pub environment: Option<String>,
}

impl Stack {
    /// The stack block, when there is one (the first if there are several).
    pub fn info(&self) -> Option<&StackDecl> {
        self.stacks.first()
    }

    /// The stack a `use` names, once loaded.
    pub fn used(&self, name: &str) -> Option<&UsedStack> {
        self.uses.iter().find(|u| u.name.text == name).and_then(|u| u.target.as_deref())
    }

    /// Splits `USE.REST` when `USE` names a used stack: the names of another stack are
    /// found by the same lookups, with its use name in front.
    pub fn across<'n>(&self, name: &'n str) -> Option<(&UsedStack, &'n str)> {
        let (first, rest) = name.split_once('.')?;
        Some((self.used(first)?, rest))
    }

    /// A network by name, or `USE.NAME` of a used stack.
    pub fn network(&self, name: &str) -> Option<&Network> {
        if let Some((used, rest)) = self.across(name) {
            return used.stack.network(rest);
        }
        self.networks.iter().find(|n| n.name.text == name)
    }

    /// The network a firewall (`NAME` or `USE.NAME`) is in, looked up in the firewall's
    /// own stack.
    pub fn firewall_network(&self, name: &str) -> Option<&Network> {
        if let Some((used, rest)) = self.across(name) {
            return used.stack.firewall_network(rest);
        }
        let f = self.firewalls.iter().find(|f| f.name.text == name)?;
        self.network(&f.network.as_ref()?.text)
    }

    /// A firewall by name, or `USE.NAME` of a used stack.
    pub fn firewall(&self, name: &str) -> Option<&Firewall> {
        if let Some((used, rest)) = self.across(name) {
            return used.stack.firewall(rest);
        }
        self.firewalls.iter().find(|f| f.name.text == name)
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name.text == name)
    }

    pub fn let_decl(&self, name: &str) -> Option<&Let> {
        self.lets.iter().find(|l| l.name.text == name)
    }

    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.name.text == name)
    }

    /// The subnet named by `NETWORK.SUBNET` (`NETWORK` may be `USE.NETWORK`), with its network.
    pub fn subnet(&self, network: &str, subnet: &str) -> Option<(&Network, &Subnet)> {
        let n = self.network(network)?;
        n.subnets.iter().find(|s| s.name.text == subnet).map(|s| (n, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_segments_keep_spans() {
        let r = Ref::from_word("main.public-a", 10..23);
        assert_eq!(r.segments.len(), 2);
        assert_eq!(r.segments[0], Ident { text: "main".into(), span: 10..14 });
        assert_eq!(r.segments[1], Ident { text: "public-a".into(), span: 15..23 });
    }
}
