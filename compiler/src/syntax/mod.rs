//! Text to tree: the logos lexer, a preparation pass, a hand-written pass for input
//! without errors, and the chumsky parser for the rest.

pub mod cst;
mod fast;
pub mod lexer;
mod parser;
mod prepare;

pub use parser::parse;
pub use prepare::MAX_DEPTH;

#[cfg(test)]
mod tests;
