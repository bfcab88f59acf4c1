//! FileCheck-style checks: a subset of LLVM FileCheck
//! (<https://llvm.org/docs/CommandGuide/FileCheck.html>) run against a stage
//! dump (PTX text, LLVM IR, MIR, ...).
//!
//! A test source carries its checks in `//` comments, e.g.
//!
//! ```text
//! // CHECK-LABEL: .entry saxpy
//! // CHECK:       ld.global.f32 [[X:%f[0-9]+]]
//! // sm_90-CHECK: fma.rn.f32 {{%f[0-9]+}}, {{%f[0-9]+}}, [[X]]
//! // CHECK-NOT:   ld.local
//! ```
//!
//! [`parse_checks`] extracts the directives for the active prefixes and
//! [`run_checks`] matches them against the input.
//!
//! # What is supported
//!
//! * Directives `CHECK:`, `-NEXT:`, `-SAME:`, `-EMPTY:`, `-NOT:`, `-DAG:`,
//!   `-LABEL:` and `-COUNT-<n>:`, with LLVM's matching algorithm (DAG groups
//!   split by NOTs, non-overlapping DAG matches, label blocks, ...).
//! * `{{regex}}` blocks (Rust `regex` syntax; everything outside them is
//!   literal) and string variables `[[VAR:regex]]` / `[[VAR]]`, including
//!   reuse later in the same directive.
//! * A small numeric subset: `[[#VAR:]]` (captures `[0-9]+`),
//!   `[[#VAR:expr]]`, `[[#expr]]`, `[[#]]`, where `expr` is a sum of variables,
//!   decimal literals and `@LINE`, optionally after LLVM's `==` constraint
//!   (`[[#==N]]`, `[[#M:==N+1]]`); also the legacy `[[@LINE]]`,
//!   `[[@LINE+N]]`. Values are unsigned, as LLVM's default format: a negative
//!   result (`[[#N-10]]` with N = 5, `[[#-5]]`) is an error, as LLVM's
//!   "overflow error". Values above `i64` work (up to 2^127 - 1).
//! * A name is a string or a numeric variable in the whole file: defining
//!   it as both is an error before anything is matched, as in LLVM; using a
//!   numeric variable as a string (`[[N]]`) is an error (LLVM: "undefined
//!   variable").
//! * Whitespace: a pattern's leading and trailing whitespace is ignored and a
//!   run of spaces/tabs in its literal text matches any non-empty run of
//!   spaces/tabs in the input (LLVM's default canonicalization). A captured
//!   `[[VAR:...]]` value is compared the same way when used (`[[VAR]]`),
//!   whitespace runs canonicalized, as LLVM compares values captured from its
//!   canonicalized input. Whitespace inside `{{regex}}` is matched as the
//!   regex says.
//! * A search sees only its own range of the input, as in LLVM: `{{^}}` and
//!   `^` match where a search that begins mid-line (right after the previous
//!   match) starts, and `$` where a range (a CHECK-NOT's) ends.
//! * `{{}}` is an error ("invalid regex"), as in LLVM.
//! * Variable scope: variables whose name does not start with `$`, string
//!   and numeric alike, are cleared at each `CHECK-LABEL`, i.e. LLVM's
//!   `--enable-var-scope` is always on, so a value captured in one function
//!   cannot leak into the checks of the next. (LLVM 22.1.8 with that flag
//!   rejects `[[#N:]]` … `CHECK-LABEL` … `[[#N+1]]` the same way; without it,
//!   it accepts it.)
//!
//! # Deliberate differences from LLVM FileCheck
//!
//! * Only lines whose first non-blank characters are `//` are scanned, and the
//!   directive must start the comment (`/// CHECK:` and `//! CHECK:` work).
//! * Stricter directive spelling: a comment starting with an active prefix
//!   followed by an unknown suffix (`CHECK-NXT:`) or without the colon
//!   (`CHECK foo`) is an error rather than silently ignored.
//! * Only the first failure is reported; LLVM goes on with later label blocks.
//! * All `CHECK-LABEL`s are located before any other check is matched, so a
//!   missing label is reported before failures in earlier blocks.
//! * Like LLVM, a `CHECK-LABEL` is matched at its first occurrence after the
//!   previous label; uniqueness of the labelled line is assumed, not checked.
//! * `CHECK-COUNT-<n>` requires `n` successive matches, as in LLVM; follow it
//!   with a `CHECK-NOT` of the same pattern to rule out an `n+1`-th.
//! * Regexes use Rust `regex` syntax (leftmost-first, not POSIX
//!   leftmost-longest), and `{{...}}` ends at the first `}}` that is not
//!   closing a brace opened (or escaped, `\}`) inside the regex, so
//!   `{{a{2}}}` is `a{2}` and `{{\}}}` is `\}`. LLVM 22 ends the block at
//!   the first `}}`, and rejects both ("braces not balanced", "trailing
//!   backslash").
//! * A match never spans lines: every pattern is matched within one input
//!   line, so `{{a\sb}}` or `{{a[[:space:]]b}}` never matches `a` at the end
//!   of one line and `b` at the start of the next, as it does in LLVM. Check
//!   the lines one by one with CHECK-NEXT instead.
//! * A variable defined twice in one directive (`[[V:a]] [[V:b]]`,
//!   `[[#V:]] [[#V:]]`) is an error; LLVM accepts it and keeps the last value.
//! * Numeric values above 2^127 - 1 are an error; LLVM has no bound.
//! * Whitespace inside `{{regex}}` is matched as written, against the raw
//!   input: LLVM first turns every run of spaces and tabs in the input into
//!   one space, so there `{{a  b}}` never matches and `{{a\tb}}` matches
//!   only because the check line is canonicalized too.
//! * Not supported: `CHECK{LITERAL}`, `CHECK-EOF`, `COM:` directives,
//!   `--implicit-check-not`, `--strict-whitespace`, `-D` definitions, numeric
//!   format specifiers (`[[#%x,VAR:]]`) and functions in numeric expressions.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use regex::{Captures, Regex};

mod compile;
mod directive;
mod matcher;
mod pattern;
#[cfg(test)]
mod tests;

use compile::*;
use directive::*;
pub use directive::{check_prefix_spelling, parse_checks, CheckKind, CheckLine, FileCheckError};
pub use matcher::run_checks;
use pattern::*;
