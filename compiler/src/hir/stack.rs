use super::{Ident, Spanned};
use crate::source::{FileId, Span};

/// `stack NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct StackDecl {
    pub file: FileId,
    pub name: Ident,
    /// The whole declaration, for "missing attribute" positions.
    pub span: Span,
    pub region: Option<Spanned<String>>,
    pub state: Option<Spanned<StateBackend>>,
    pub tags: Vec<Tag>,
    pub max_delete: Option<Spanned<f64>>,
    pub max_zone_delete: Option<Spanned<f64>>,
    pub recipients: Vec<Spanned<String>>,
    /// Tag keys (a trailing `*` matches a prefix) drove leaves alone on every resource.
    pub ignore_tags: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateBackend {
    Local { path: String },
    S3 { bucket: String, key: String },
}

/// One `key = "value"` entry of a `tags` map.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

/// `let NAME = VALUE`. The value is any literal or list; it is typed where it is used, so
/// it is kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub value: crate::syntax::cst::Expr,
}

/// `secret "NAME" = "AGE-CIPHERTEXT"`
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub file: FileId,
    /// The name as written in the string, span of the string.
    pub name: Ident,
    pub span: Span,
    pub ciphertext: Option<Spanned<String>>,
}
