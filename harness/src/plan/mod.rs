//! Phase 1: find test files, parse their directives, and expand them into
//! trials, one per (test, revision, sm target).
pub mod directives;
pub mod discover;
pub mod expectations;
pub mod matrix;
pub mod sanitize;
pub mod trial;
