//! Queries the language server asks of an analysed stack: what a name means, where it is
//! declared and used, what to show on hover, what to offer as completion, how to colour
//! the words. They live in the compiler so they are tested without a protocol; the `lsp`
//! crate only converts positions and shapes.

pub mod across;
mod attributes;
mod complete;
pub mod drift;
mod environments;
mod hints;
mod hover;
mod hover_reach;
mod hover_values;
mod index;
mod moves;
pub mod plan_lens;
mod rename;
mod tokens;

pub use complete::{completions, Completion, CompletionKind};
pub use environments::environment_hover;
pub use hints::{inlay_hints, InlayHint};
pub use hover::{hover, hover_at};
pub use index::{Index, Reference, Symbol, SymbolId, SymbolKind};
pub use rename::RenameError;
pub use tokens::{semantic_tokens, Token, TokenKind};

#[cfg(test)]
mod tests;
