//! Names of used stacks (`net.main.public-a`, `app.hosts.web.public_ip`) in the editor:
//! which declaration of which stack a position names, for go-to-definition and hover.

use crate::analysis::Analysis;
use crate::hir::UsedStack;
use crate::names::Kind;
use crate::source::{FileId, Sources, Span};
use std::path::PathBuf;

/// A declaration of a used stack a name points at.
pub struct Target<'a> {
    pub used: &'a UsedStack,
    pub kind: Kind,
    /// As the used stack names it (`main.public-a`).
    pub name: String,
    /// The file of the used stack holding the declaration, and its name's span there.
    pub path: PathBuf,
    pub span: Span,
    /// The span of the name used here (the part after the use name).
    pub here: Span,
}

/// What the dotted word at `offset` names in a used stack, if it starts with a use name.
pub fn target_at<'a>(analysis: &'a Analysis, sources: &Sources, file: FileId, offset: usize) -> Option<Target<'a>> {
    let text = &sources.files.get(file)?.text;
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let start = text[..offset.min(text.len())].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
    let end = text[offset.min(text.len())..].find(|c: char| !is_word(c)).map_or(text.len(), |i| offset + i);
    let word = text.get(start..end)?.trim_end_matches('.');
    let (first, rest) = word.split_once('.')?;
    let used = analysis.stack.used(first)?;
    let here = start + first.len() + 1..start + word.len();
    let (kind, name) = name_in(used, rest)?;
    let sym = used.symbols.get(kind, &name)?;
    Some(Target { used, kind, name, path: used.files.get(sym.file)?.clone(), span: sym.span.clone(), here })
}

/// The kind and symbol name `rest` (what follows `USE.`) names in the used stack.
fn name_in(used: &UsedStack, rest: &str) -> Option<(Kind, String)> {
    let parts: Vec<&str> = rest.split('.').collect();
    let has = |k: Kind, n: &str| used.symbols.get(k, n).is_some();
    match parts.as_slice() {
        ["hosts", name, ..] => Some((Kind::Hosts, name.to_string())),
        ["host", name, ..] => Some((Kind::Host, name.to_string())),
        ["balancer", name] => Some((Kind::Balancer, name.to_string())),
        [net, sub] if has(Kind::Subnet, &format!("{net}.{sub}")) => Some((Kind::Subnet, format!("{net}.{sub}"))),
        [one] => [Kind::Network, Kind::Firewall, Kind::Role, Kind::Balancer, Kind::Let]
            .into_iter()
            .find(|k| has(*k, one))
            .map(|k| (k, one.to_string())),
        _ => None,
    }
}

/// Hover text for a name of a used stack.
pub fn hover(t: &Target) -> String {
    format!(
        "```drove\n{} {}\n```\ndeclared by the stack at `{}`{}\n",
        t.kind.keyword(),
        t.name,
        t.used.path,
        t.used.environment.as_deref().map(|e| format!(" (environment `{e}`)")).unwrap_or_default()
    )
}
