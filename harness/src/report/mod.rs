//! Phase 4: verdicts and everything that reads them: the terminal summary,
//! JUnit XML, JSON results, the regression gate, the HTML report and the
//! history, and the Markdown conformance table.
pub mod dumps;
pub mod gate;
pub mod grid;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod svg;
pub mod terminal;
pub mod verdict;
