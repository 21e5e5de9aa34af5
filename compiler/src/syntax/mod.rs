//! Text to tree: the logos lexer and the concrete syntax tree.

pub mod cst;
pub mod lexer;
