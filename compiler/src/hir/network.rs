use super::{Ident, Ref, Spanned};
use crate::literal::PortRange;
use crate::source::{FileId, Span};
use ipnet::IpNet;

/// `network NAME { cidr = … subnet … }`: a VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub cidr: Option<Spanned<IpNet>>,
    pub subnets: Vec<Subnet>,
}

/// `subnet NAME { cidr = … zone = … public = … }` inside a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub name: Ident,
    pub span: Span,
    pub cidr: Option<Spanned<IpNet>>,
    /// An AZ suffix (`a`) or a full AZ name (`ap-northeast-1a`), as written.
    pub zone: Option<Spanned<String>>,
    pub public: Option<Spanned<bool>>,
    /// `nat = true`: a NAT gateway in this (public) subnet gives the network's private
    /// subnets a way out.
    pub nat: Option<Spanned<bool>>,
}

impl Subnet {
    pub fn is_public(&self) -> bool {
        self.public.as_ref().is_some_and(|p| p.value)
    }

    pub fn has_nat(&self) -> bool {
        self.nat.as_ref().is_some_and(|n| n.value)
    }
}

/// `firewall NAME in NETWORK { allow … }`: a security group.
#[derive(Debug, Clone, PartialEq)]
pub struct Firewall {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub network: Option<Ref>,
    pub description: Option<Spanned<String>>,
    /// The security group's name in AWS, when it is not drove's `STACK-NAME` (a group
    /// adopted with the name its owners gave it; a group's name cannot change).
    pub group_name: Option<Spanned<String>>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `from`: ingress
    Ingress,
    /// `to`: egress
    Egress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    All,
}

impl Protocol {
    pub const NAMES: [&'static str; 5] = ["tcp", "udp", "icmp", "icmpv6", "all"];

    pub fn parse(text: &str) -> Option<Protocol> {
        Some(match text {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "icmpv6" => Protocol::Icmpv6,
            "all" => Protocol::All,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::Icmpv6 => "icmpv6",
            Protocol::All => "all",
        }
    }

    /// Whether rules of this protocol name ports.
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

/// `allow PROTOCOL [PORTS] (from | to) PEER, …`
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The whole rule line.
    pub span: Span,
    pub protocol: Spanned<Protocol>,
    pub ports: Vec<Spanned<PortRange>>,
    pub direction: Spanned<Direction>,
    pub peers: Vec<Peer>,
}

/// The other side of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Peer {
    Cidr(Spanned<IpNet>),
    /// A firewall or a `let` constant holding CIDRs; resolved by the checks.
    Name(Ref),
}
