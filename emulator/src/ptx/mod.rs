//! PTX text → [`ast::Module`].

pub mod ast;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;
