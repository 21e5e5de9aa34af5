//! `balancer NAME in NETWORK { … }`: a load balancer, its listeners and target groups.

use super::{Ident, Ref, Spanned};
use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Balancer {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    /// The balancer's name in AWS, when it is not the one drove derives (`STACK-NAME`).
    pub aws_name: Option<Spanned<String>>,
    pub network: Option<Ref>,
    pub kind: Option<Spanned<BalancerKind>>,
    pub internal: Option<Spanned<bool>>,
    pub subnets: Vec<Ref>,
    pub subnets_span: Option<Span>,
    pub firewalls: Vec<Ref>,
    /// The ACM certificate of its HTTPS and TLS listeners.
    pub certificate: Option<super::CertificateUse>,
    pub listeners: Vec<Listen>,
    pub targets: Vec<TargetDecl>,
}

impl Balancer {
    pub fn kind(&self) -> BalancerKind {
        self.kind.as_ref().map_or(BalancerKind::Application, |k| k.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalancerKind {
    Application,
    Network,
}

impl BalancerKind {
    pub fn word(self) -> &'static str {
        match self {
            BalancerKind::Application => "application",
            BalancerKind::Network => "network",
        }
    }
}

/// `listen PORT PROTOCOL forward TARGET` or `listen PORT PROTOCOL redirect PORT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Listen {
    pub span: Span,
    pub port: Spanned<u16>,
    pub protocol: Spanned<LbProtocol>,
    pub action: ListenAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ListenAction {
    Forward(Ident),
    Redirect(Spanned<u16>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbProtocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
}

impl LbProtocol {
    pub const ALL: [(&'static str, LbProtocol); 5] = [
        ("http", LbProtocol::Http),
        ("https", LbProtocol::Https),
        ("tcp", LbProtocol::Tcp),
        ("tls", LbProtocol::Tls),
        ("udp", LbProtocol::Udp),
    ];

    pub fn word(self) -> &'static str {
        LbProtocol::ALL.iter().find(|(_, p)| *p == self).map_or("http", |(w, _)| w)
    }

    /// As ELB spells it.
    pub fn aws(self) -> String {
        self.word().to_ascii_uppercase()
    }

    /// Whether an application load balancer speaks it (the others are a network one's).
    pub fn is_http(self) -> bool {
        matches!(self, LbProtocol::Http | LbProtocol::Https)
    }

    pub fn needs_certificate(self) -> bool {
        matches!(self, LbProtocol::Https | LbProtocol::Tls)
    }
}

/// `target NAME { hosts = [GROUP, …]  port = 3000  … }`: a target group.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDecl {
    pub name: Ident,
    pub span: Span,
    /// The target group's name in AWS, when it is not the one drove derives
    /// (`STACK-BALANCER-TARGET`).
    pub aws_name: Option<Spanned<String>>,
    /// `hosts` groups and `host` pets registered in it.
    pub hosts: Vec<Ref>,
    pub port: Option<Spanned<u16>>,
    pub protocol: Option<Spanned<LbProtocol>>,
    pub health_path: Option<Spanned<String>>,
    pub health_codes: Option<Spanned<String>>,
    /// Seconds.
    pub health_interval: Option<Spanned<u64>>,
    /// Seconds.
    pub deregistration_delay: Option<Spanned<u64>>,
}
