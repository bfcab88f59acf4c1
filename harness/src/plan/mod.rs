//! Phase 1: find test files, parse their directives, and expand them into
//! trials, one per (test, revision, sm target).
pub mod annotations;
pub mod check_prefixes;
pub mod directives;
pub mod discover;
pub mod expectations;
pub mod matrix;
pub mod sanitize;
pub mod trial;

/// A problem at one line of a test file, found while reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and how to write it.
    pub message: String,
}
