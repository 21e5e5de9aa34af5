//! `certificate NAME { domain = "…"  names = [ … ] }`: a certificate drove requests from
//! ACM and validates through DNS records in the stack's own zones.

use super::{Ident, Ref, Spanned};
use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    /// The certificate's subject, as written (`"toreta.in"`, `"*.toreta.in"`).
    pub domain: Option<Spanned<String>>,
    /// Its other names (subject alternative names).
    pub names: Vec<Spanned<String>>,
}

impl Certificate {
    /// Every name the certificate covers, the subject first, in lower case without a final dot.
    pub fn all_names(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.domain.iter().chain(&self.names)
    }
}

/// A balancer's `certificate = …`: one drove requests, or one that exists already.
#[derive(Debug, Clone, PartialEq)]
pub enum CertificateUse {
    /// `certificate.NAME`: the stack's `certificate` declaration.
    Declared(Ref),
    /// `"arn:aws:acm:…"`: a certificate named by its ARN.
    Arn(Spanned<String>),
    /// `"toreta.in"`: the newest issued certificate for that domain, found at plan time.
    Domain(Spanned<String>),
}

impl CertificateUse {
    pub fn span(&self) -> &Span {
        match self {
            CertificateUse::Declared(r) => &r.span,
            CertificateUse::Arn(s) | CertificateUse::Domain(s) => &s.span,
        }
    }
}
