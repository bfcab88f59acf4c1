//! The matcher: LLVM FileCheck's algorithm over the input (labels, DAG groups, NOTs, NEXT/SAME/EMPTY, COUNT).

use super::*;

/// Match the checks against `input`.
///
/// Returns `Ok(())` or a [`FileCheckError`] describing the first failure: the
/// check line (number and text), what was expected, and where in the input
/// the search started or failed, with a few lines of context. An empty check
/// list succeeds; the caller decides whether that is allowed.
pub fn run_checks(checks: &[CheckLine], input: &str) -> Result<(), FileCheckError> {
    let patterns = prepare(checks)?;
    if checks.is_empty() {
        return Ok(());
    }
    // Line structure is what matters; `\r` would break CHECK-EMPTY and `$`.
    let text: Cow<'_, str> = if input.contains("\r\n") {
        Cow::Owned(input.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(input)
    };
    let mut engine = Matcher {
        checks,
        patterns: &patterns,
        input: Input::new(&text),
        vars: Vars::default(),
    };
    engine.run()
}

/// A positive check with the DAG and NOT checks written before it, as in
/// LLVM's `FileCheckString`. `positive == None` stands for the end of input,
/// which collects trailing DAG/NOT checks.
pub(super) struct Step {
    pub(super) positive: Option<usize>,
    pub(super) dag_not: Vec<usize>,
}

pub(super) fn build_steps(checks: &[CheckLine]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut pending = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        if check.kind.is_positive() {
            steps.push(Step {
                positive: Some(index),
                dag_not: std::mem::take(&mut pending),
            });
        } else {
            pending.push(index);
        }
    }
    if !pending.is_empty() {
        steps.push(Step {
            positive: None,
            dag_not: pending,
        });
    }
    steps
}

pub(super) struct Input<'a> {
    pub(super) text: &'a str,
    /// Byte offset where each line starts.
    pub(super) starts: Vec<usize>,
}

impl<'a> Input<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Input { text, starts }
    }

    /// 1-based line number of a byte offset.
    pub(super) fn line_of(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s <= pos)
    }

    pub(super) fn line_text(&self, line: usize) -> &'a str {
        let start = self.starts[line - 1];
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        &self.text[start..end]
    }

    /// Number of lines, not counting the empty tail after a final newline.
    pub(super) fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }
}

pub(super) struct Matcher<'a> {
    pub(super) checks: &'a [CheckLine],
    pub(super) patterns: &'a [Pattern],
    pub(super) input: Input<'a>,
    pub(super) vars: Vars,
}

impl Matcher<'_> {
    pub(super) fn run(&mut self) -> Result<(), FileCheckError> {
        let steps = build_steps(self.checks);
        let len = self.input.text.len();

        // Locate every label first; each bounds the block of checks before it.
        let mut blocks = Vec::new();
        let mut cursor = 0;
        for (index, step) in steps.iter().enumerate() {
            let Some(check) = step.positive else { continue };
            if self.checks[check].kind != CheckKind::Label {
                continue;
            }
            match self.search(check, cursor, len)? {
                Some(hit) => {
                    cursor = hit.end;
                    blocks.push((index + 1, hit.end));
                }
                None => return Err(self.not_found(check, cursor, len, None, None)),
            }
        }
        blocks.push((steps.len(), len));

        let (mut first_step, mut region_start) = (0, 0);
        for (block, &(end_step, region_end)) in blocks.iter().enumerate() {
            if block > 0 {
                self.vars.clear_locals();
            }
            let mut pos = region_start;
            for step in &steps[first_step..end_step] {
                pos = self.run_step(step, pos, region_end)?;
            }
            first_step = end_step;
            region_start = region_end;
        }
        Ok(())
    }

    /// Matches one step in `[start, end)`; returns where the next search starts.
    pub(super) fn run_step(
        &mut self,
        step: &Step,
        start: usize,
        end: usize,
    ) -> Result<usize, FileCheckError> {
        let mut nots = Vec::new();
        let last = self.check_dag(&step.dag_not, start, end, &mut nots)?;
        let Some(check) = step.positive else {
            self.check_not(&nots, last, end)?;
            return Ok(end);
        };
        let kind = self.checks[check].kind;
        let (first, match_end) = if kind == CheckKind::Empty {
            match find_empty_line(self.input.text, last, end) {
                Some(pos) => (pos, pos),
                None => return Err(self.not_found(check, last, end, None, None)),
            }
        } else {
            let count = match kind {
                CheckKind::Count(n) => n,
                _ => 1,
            };
            let mut cursor = last;
            let mut first = None;
            for done in 0..count {
                let Some(hit) = self.search(check, cursor, end)? else {
                    let progress = (count > 1).then_some((done, count));
                    return Err(self.not_found(check, cursor, end, progress, None));
                };
                first.get_or_insert(hit.start);
                cursor = hit.end;
                self.vars.commit(hit.defs);
            }
            (first.unwrap_or(last), cursor)
        };

        let newlines = self.input.text[last..first].matches('\n').count();
        let misplaced = match kind {
            CheckKind::Next | CheckKind::Empty => newlines != 1,
            CheckKind::Same => newlines != 0,
            _ => false,
        };
        if misplaced {
            return Err(self.misplaced(check, last, first, newlines));
        }
        self.check_not(&nots, last, first)?;
        Ok(match_end)
    }

    /// Port of LLVM's `CheckDag`: matches the DAG groups of a step, checking
    /// the NOTs between groups; NOTs after the last group are left in `nots`
    /// for the caller. Returns the end of the last group's matches.
    pub(super) fn check_dag(
        &mut self,
        dag_not: &[usize],
        start: usize,
        end: usize,
        nots: &mut Vec<usize>,
    ) -> Result<usize, FileCheckError> {
        let mut group_start = start;
        // Sorted, non-overlapping matches of the current group: (start, end, check).
        let mut ranges: Vec<(usize, usize, usize)> = Vec::new();
        for (position, &check) in dag_not.iter().enumerate() {
            if self.checks[check].kind == CheckKind::Not {
                nots.push(check);
                continue;
            }
            let mut from = group_start;
            let mut index = 0;
            let mut skipped = None;
            loop {
                let Some(hit) = self.search(check, from, end)? else {
                    return Err(self.not_found(check, group_start, end, None, skipped));
                };
                let mut overlap = false;
                while index < ranges.len() {
                    if hit.start < ranges[index].1 {
                        overlap = ranges[index].0 < hit.end;
                        break;
                    }
                    index += 1;
                }
                if !overlap {
                    ranges.insert(index, (hit.start, hit.end, check));
                    self.vars.commit(hit.defs);
                    break;
                }
                // Each text can satisfy only one DAG of a group: search on
                // after the match this one collided with.
                skipped = Some((hit.start, ranges[index].2));
                from = ranges[index].1;
            }
            let group_ends = match dag_not.get(position + 1) {
                None => true,
                Some(&next) => self.checks[next].kind == CheckKind::Not,
            };
            if group_ends {
                if !nots.is_empty() {
                    self.check_not(nots, group_start, ranges[0].0)?;
                    nots.clear();
                }
                group_start = ranges.last().map_or(group_start, |r| r.1);
                ranges.clear();
            }
        }
        Ok(group_start)
    }

    pub(super) fn check_not(
        &mut self,
        nots: &[usize],
        start: usize,
        end: usize,
    ) -> Result<(), FileCheckError> {
        for &check in nots {
            if let Some(hit) = self.search(check, start, end)? {
                return Err(self.excluded(check, &hit, start, end));
            }
        }
        Ok(())
    }

    pub(super) fn search(
        &self,
        check: usize,
        from: usize,
        to: usize,
    ) -> Result<Option<Found>, FileCheckError> {
        let pattern = &self.patterns[check];
        let compiled = match &pattern.fixed {
            Some(compiled) => Cow::Borrowed(compiled),
            None => Cow::Owned(
                pattern
                    .compile(&self.vars)
                    .map_err(|message| self.failure(check, &message, Vec::new()))?,
            ),
        };
        compiled
            .find(self.input.text, from, to)
            .map_err(|message| self.failure(check, &message, Vec::new()))
    }

    // --- diagnostics -------------------------------------------------------

    /// An error for `check` with the directive-prefixed headline and notes.
    pub(super) fn failure(
        &self,
        check: usize,
        headline: &str,
        notes: Vec<String>,
    ) -> FileCheckError {
        let line = &self.checks[check];
        let mut message = format!(
            "{}: {headline}\n  check line {}: {line}",
            line.directive(),
            line.line
        );
        for name in self.patterns[check].used_vars() {
            if let Some(value) = self.vars.describe(&name) {
                message.push_str(&format!("\n  with variable `{name}` equal to {value}"));
            }
        }
        for note in notes {
            message.push('\n');
            message.push_str(&note);
        }
        FileCheckError {
            line: line.line,
            message,
        }
    }

    pub(super) fn not_found(
        &self,
        check: usize,
        from: usize,
        to: usize,
        progress: Option<(usize, usize)>,
        skipped: Option<(usize, usize)>,
    ) -> FileCheckError {
        let kind = self.checks[check].kind;
        let mut headline = if kind == CheckKind::Empty {
            "expected an empty line, but none follows".to_string()
        } else {
            "expected string not found in input".to_string()
        };
        if let Some((done, count)) = progress {
            headline.push_str(&format!(" (found {done} of {count} required matches)"));
        }
        let mut notes = Vec::new();
        if self.input.text.is_empty() {
            notes.push("  the input is empty".to_string());
        } else {
            let first = self.input.line_of(from);
            let last = self.input.line_of(to.saturating_sub(1).max(from));
            let until = if to >= self.input.text.len() {
                "the end of input".to_string()
            } else {
                format!("input line {last} (end of the CHECK-LABEL block)")
            };
            notes.push(format!("  scanning from input line {first} to {until}:"));
            let shown: Vec<usize> = (first..=last.min(first + 4)).collect();
            notes.push(self.snippet(&shown, &[first]));
        }
        if let Some((at, other)) = skipped {
            let line = self.input.line_of(at);
            notes.push(format!(
                "  a match on input line {line} was skipped because it overlaps the match of \
                 check line {} ({}); each CHECK-DAG of a group needs its own text",
                self.checks[other].line, self.checks[other]
            ));
        }
        // After an overlap the near miss would just be the overlapped text.
        let fuzzy = match skipped {
            None => self.fuzzy_match(check, from, to),
            Some(_) => None,
        };
        if let Some(line) = fuzzy {
            notes.push(format!("  possible intended match on input line {line}:"));
            notes.push(self.snippet(&[line], &[line]));
        }
        self.failure(check, &headline, notes)
    }

    pub(super) fn misplaced(
        &self,
        check: usize,
        last: usize,
        first: usize,
        newlines: usize,
    ) -> FileCheckError {
        let kind = self.checks[check].kind;
        let headline = match (kind, newlines) {
            (CheckKind::Same, _) => "is not on the same line as the previous match",
            (CheckKind::Empty, _) => "the line after the previous match is not empty",
            (_, 0) => "is on the same line as the previous match",
            _ => "is not on the line after the previous match",
        };
        let previous = self.input.line_of(last);
        let found = self.input.line_of(first);
        let what = if kind == CheckKind::Empty {
            "the next empty line is"
        } else {
            "this match is on"
        };
        let mut shown: Vec<usize> = (previous..=found).collect();
        if shown.len() > 6 {
            shown = vec![previous, previous + 1, found - 1, found];
        }
        let notes = vec![
            format!(
                "  the previous match ends on input line {previous}; {what} input line {found}:"
            ),
            self.snippet(&shown, &[previous, found]),
        ];
        self.failure(check, headline, notes)
    }

    pub(super) fn excluded(
        &self,
        check: usize,
        hit: &Found,
        start: usize,
        end: usize,
    ) -> FileCheckError {
        let line = self.input.line_of(hit.start);
        let from = self.input.line_of(start);
        let until = self.input.line_of(end);
        let shown: Vec<usize> = (line.saturating_sub(1).max(1)..=line + 1)
            .filter(|&l| l <= self.input.line_count().max(1))
            .collect();
        let notes = vec![
            format!(
                "  found on input line {line}, inside the excluded range (input lines \
                 {from}-{until}):"
            ),
            self.snippet(&shown, &[line]),
        ];
        self.failure(check, "excluded string found in input", notes)
    }

    /// The line in `[from, to)` that looks most like the pattern's literal
    /// words, when one comes close enough to be worth pointing out.
    pub(super) fn fuzzy_match(&self, check: usize, from: usize, to: usize) -> Option<usize> {
        const MAX_LINES: usize = 10_000;
        let wanted = self.patterns[check].fuzzy_text(&self.vars);
        let tokens: Vec<&str> = wanted.split_whitespace().collect();
        if tokens.is_empty() || self.input.text.is_empty() {
            return None;
        }
        let first = self.input.line_of(from);
        let last = self.input.line_of(to.saturating_sub(1).max(from));
        let mut best: Option<(f64, usize)> = None;
        for line in (first..=last).take(MAX_LINES) {
            let text = self.input.line_text(line);
            let words: Vec<&str> = text.split_whitespace().collect();
            let score: f64 = tokens
                .iter()
                .map(|token| {
                    if text.contains(token) {
                        return 1.0;
                    }
                    let close = words
                        .iter()
                        .map(|w| strsim::normalized_levenshtein(token, w))
                        .fold(0.0, f64::max);
                    if close >= 0.7 {
                        close
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
                / tokens.len() as f64;
            if score >= 0.5 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, line));
            }
        }
        best.map(|(_, line)| line)
    }

    /// Renders input lines, `>` marking the interesting ones; gaps show `...`.
    pub(super) fn snippet(&self, lines: &[usize], marked: &[usize]) -> String {
        const MAX_WIDTH: usize = 160;
        let total = self.input.starts.len();
        let mut out = Vec::new();
        let mut previous = None;
        for &line in lines.iter().filter(|&&l| l >= 1 && l <= total) {
            if previous.is_some_and(|p: usize| line > p + 1) {
                out.push("          ...".to_string());
            }
            previous = Some(line);
            let mut text = self.input.line_text(line).to_string();
            if text.len() > MAX_WIDTH {
                let cut = (0..=MAX_WIDTH)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text.truncate(cut);
                text.push_str("...");
            }
            let mark = if marked.contains(&line) { '>' } else { ' ' };
            out.push(format!("  {mark} {line:>5} | {text}"));
        }
        out.join("\n")
    }
}

/// Start of the first empty line after the first newline at or after `from`,
/// following LLVM's `\n$` match for CHECK-EMPTY: the match begins just after
/// a newline that is followed by another newline or by the end of the range.
pub(super) fn find_empty_line(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..to)
        .filter(|&i| bytes[i] == b'\n')
        .find(|&i| i + 1 == to || bytes[i + 1] == b'\n')
        .map(|i| i + 1)
}
