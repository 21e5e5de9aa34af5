//! `moved { from = firewall.web  to = firewall.office }`: a rename the next plan applies
//! to the state, so the resources at the old address keep living at the new one.

use super::Spanned;
use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub file: FileId,
    pub span: Span,
    /// The `moved` keyword, where "missing attribute" points.
    pub keyword: Span,
    /// The resource address the state holds, as written (`firewall.web`).
    pub from: Option<Spanned<String>>,
    /// The address the stack now declares it at.
    pub to: Option<Spanned<String>>,
}
