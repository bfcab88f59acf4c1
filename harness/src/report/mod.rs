//! Phase 4: verdicts and everything that reads them: the terminal summary,
//! JUnit XML, JSON results and the regression gate.
pub mod gate;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod svg;
pub mod terminal;
pub mod verdict;
