//! Text to tree: the logos lexer, a preparation pass, and the chumsky parser.

pub mod cst;
pub mod lexer;
mod parser;
mod prepare;

pub use parser::parse;
pub use prepare::MAX_DEPTH;

#[cfg(test)]
mod tests;
