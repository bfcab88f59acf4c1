//! PTX text → [`ast::Module`].

pub mod ast;
mod parse;

pub use parse::parse;
