//! Patterns: a directive's text parsed into literal text, `{{regex}}` blocks and `[[...]]` substitutions.

use super::*;

/// Validates a whole check list and parses every pattern.
///
/// `run_checks` accepts hand-built lists too, so it runs this again rather
/// than trusting that the list came from `parse_checks`.
pub(super) fn prepare(checks: &[CheckLine]) -> Result<Vec<Pattern>, FileCheckError> {
    let mut seen_positive = false;
    let mut patterns = Vec::with_capacity(checks.len());
    // Each variable name's kind (numeric?) and the line that first defined it.
    let mut kinds: HashMap<String, (bool, usize)> = HashMap::new();
    for check in checks {
        let context = check.to_string();
        if check.kind == CheckKind::Count(0) {
            return Err(error(
                check.line,
                "CHECK-COUNT needs a positive count",
                &context,
                Some(format!("write e.g. `{}-COUNT-2:`", check.prefix)),
            ));
        }
        if matches!(
            check.kind,
            CheckKind::Next | CheckKind::Same | CheckKind::Empty
        ) && !seen_positive
        {
            return Err(error(
                check.line,
                &format!(
                    "found `{}:` without a previous `{}:` line",
                    check.directive(),
                    check.prefix
                ),
                &context,
                Some(format!(
                    "{} is relative to the previous match, so a positive check must come first",
                    check.kind.suffix().trim_start_matches('-')
                )),
            ));
        }
        seen_positive |= check.kind.is_positive();
        let pattern = Pattern::parse(check)?;
        for slot in &pattern.slots {
            match kinds.get(slot.name.as_str()) {
                Some(&(numeric, line)) if numeric != slot.numeric => {
                    let (this, other) = if slot.numeric {
                        ("numeric", "string")
                    } else {
                        ("string", "numeric")
                    };
                    return Err(error(
                        check.line,
                        &format!(
                            "{this} variable `{}` has the name of the {other} variable defined \
                             at line {line}",
                            slot.name
                        ),
                        &context,
                        Some(
                            "a name is either a string or a numeric variable in the whole \
                             file, as in LLVM FileCheck; rename one of them"
                                .into(),
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    kinds.insert(slot.name.clone(), (slot.numeric, check.line));
                }
            }
        }
        patterns.push(pattern);
    }
    Ok(patterns)
}

// ---------------------------------------------------------------------------
// Pattern parsing
// ---------------------------------------------------------------------------

/// One element of a pattern, in order of appearance.
#[derive(Debug, Clone)]
pub(super) enum Piece {
    Literal(String),
    Regex(String),
    /// `[[NAME:regex]]`; `slot` numbers the definitions of the pattern.
    DefStr {
        slot: usize,
        regex: String,
    },
    /// `[[NAME]]`; `same_line` is the slot when NAME is defined earlier in
    /// this very pattern, which needs a backreference.
    UseStr {
        name: String,
        same_line: Option<usize>,
    },
    /// `[[#NAME:]]` (any number) or `[[#NAME:expr]]` (exactly that value).
    DefNum {
        slot: usize,
        expr: Option<Expr>,
    },
    /// `[[#expr]]`, or `[[#]]` for any number.
    NumExpr(Option<Expr>),
}

/// A sum of terms; `true` marks a subtracted term.
#[derive(Debug, Clone)]
pub(super) struct Expr(pub(super) Vec<(bool, Operand)>);

#[derive(Debug, Clone)]
pub(super) enum Operand {
    Literal(i128),
    Line,
    Var(String),
}

impl Expr {
    pub(super) fn vars(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|(_, op)| match op {
            Operand::Var(name) => Some(name.as_str()),
            _ => None,
        })
    }

    pub(super) fn eval(&self, vars: &Vars, line: usize) -> Result<i128, String> {
        let mut sum: i128 = 0;
        for (negative, operand) in &self.0 {
            let value = match operand {
                Operand::Literal(v) => *v,
                Operand::Line => line as i128,
                Operand::Var(name) => match vars.nums.get(name) {
                    Some(v) => *v,
                    None if vars.strs.contains_key(name) => {
                        return Err(format!(
                            "`{name}` is a string variable; use it as `[[{name}]]`, not in `[[#...]]`"
                        ));
                    }
                    None => return Err(undefined_message(name, true)),
                },
            };
            let next = if *negative {
                sum.checked_sub(value)
            } else {
                sum.checked_add(value)
            };
            sum = next.ok_or("numeric expression overflows 128 bits")?;
        }
        if sum < 0 {
            // Values are unsigned, as LLVM's default `%u` format: LLVM
            // FileCheck reports "overflow error" for a negative value.
            return Err(format!(
                "numeric expression is negative ({sum}); values are unsigned, as in LLVM \
                 FileCheck (which reports an overflow error)"
            ));
        }
        Ok(sum)
    }
}

pub(super) fn undefined_message(name: &str, numeric: bool) -> String {
    let definition = if numeric {
        format!("[[#{name}:]]")
    } else {
        format!("[[{name}:regex]]")
    };
    let scope = if name.starts_with('$') {
        ""
    } else {
        "; variables without a leading `$` are cleared at each CHECK-LABEL"
    };
    format!(
        "uses undefined variable `{name}`; define it on an earlier line with `{definition}`{scope}"
    )
}

/// A variable definition inside a pattern, numbered in order of appearance.
#[derive(Debug, Clone)]
pub(super) struct DefSlot {
    pub(super) name: String,
    pub(super) numeric: bool,
}

/// A parsed pattern. Patterns that refer to no variable are compiled once.
pub(super) struct Pattern {
    pub(super) line: usize,
    pub(super) pieces: Vec<Piece>,
    pub(super) slots: Vec<DefSlot>,
    pub(super) fixed: Option<CompiledPattern>,
}

impl Pattern {
    pub(super) fn parse(check: &CheckLine) -> Result<Pattern, FileCheckError> {
        let text = check.pattern.trim();
        let fail = |headline: &str, hint: Option<String>| {
            error(check.line, headline, &check.to_string(), hint)
        };
        if check.kind == CheckKind::Empty {
            if !text.is_empty() {
                return Err(fail(
                    &format!("`{}:` takes no pattern", check.directive()),
                    Some("CHECK-EMPTY matches an empty line; put the text in a CHECK-NEXT".into()),
                ));
            }
            // Matched by a dedicated scan, never through the regex.
            return Ok(Pattern {
                line: check.line,
                pieces: Vec::new(),
                slots: Vec::new(),
                fixed: None,
            });
        }
        if text.is_empty() {
            return Err(fail(
                &format!(
                    "found empty check string with prefix `{}:`",
                    check.directive()
                ),
                Some(format!(
                    "to match an empty line use `{}-EMPTY:`; to match any line use `{{{{.*}}}}`",
                    check.prefix
                )),
            ));
        }
        let (pieces, slots) = parse_pieces(text, check.kind == CheckKind::Label)
            .map_err(|(headline, hint)| fail(&headline, hint))?;
        let mut pattern = Pattern {
            line: check.line,
            pieces,
            slots,
            fixed: None,
        };
        if !pattern.needs_vars() {
            let compiled = pattern
                .compile(&Vars::default())
                .map_err(|message| fail(&message, None))?;
            pattern.fixed = Some(compiled);
        }
        Ok(pattern)
    }

    pub(super) fn needs_vars(&self) -> bool {
        self.pieces.iter().any(|piece| match piece {
            Piece::UseStr { same_line, .. } => same_line.is_none(),
            Piece::DefNum { expr: Some(e), .. } | Piece::NumExpr(Some(e)) => {
                e.vars().next().is_some()
            }
            _ => false,
        })
    }

    /// Names of the variables whose current values the pattern substitutes.
    pub(super) fn used_vars(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::UseStr {
                    name,
                    same_line: None,
                } => names.push(name.clone()),
                Piece::DefNum { expr: Some(e), .. } | Piece::NumExpr(Some(e)) => {
                    names.extend(e.vars().map(str::to_string))
                }
                _ => {}
            }
        }
        let mut seen = HashSet::new();
        names.retain(|name| seen.insert(name.clone()));
        names
    }

    /// Builds the regex for the current variable values.
    pub(super) fn compile(&self, vars: &Vars) -> Result<CompiledPattern, String> {
        let mut parts = Vec::new();
        let mut kinds: Vec<SlotKind> = Vec::new();
        let mut uses = 0;
        for piece in &self.pieces {
            let part = match piece {
                Piece::Literal(text) => Part::Fixed(literal_regex(text)),
                Piece::Regex(re) => Part::Fixed(format!("(?:{re})")),
                Piece::DefStr { slot, regex } => {
                    kinds.push(SlotKind::Str(regex.clone()));
                    Part::Def(*slot)
                }
                Piece::DefNum { slot, expr } => {
                    kinds.push(match expr {
                        None => SlotKind::AnyNumber,
                        Some(e) => SlotKind::Number(e.eval(vars, self.line)?),
                    });
                    Part::Def(*slot)
                }
                Piece::UseStr {
                    same_line: Some(slot),
                    ..
                } => {
                    uses += 1;
                    Part::Use {
                        slot: *slot,
                        id: uses - 1,
                    }
                }
                Piece::UseStr {
                    name,
                    same_line: None,
                } => match vars.strs.get(name) {
                    // Whitespace runs in the value match any run, as LLVM's
                    // canonicalized input and value do.
                    Some(value) => Part::Fixed(literal_regex(value)),
                    None if vars.nums.contains_key(name) => {
                        return Err(format!(
                            "`{name}` is a numeric variable; use it as `[[#{name}]]`, not \
                             `[[{name}]]` (LLVM FileCheck reports it as undefined)"
                        ))
                    }
                    None => return Err(undefined_message(name, false)),
                },
                Piece::NumExpr(None) => Part::Fixed("[0-9]+".into()),
                Piece::NumExpr(Some(e)) => {
                    Part::Fixed(regex::escape(&e.eval(vars, self.line)?.to_string()))
                }
            };
            parts.push(part);
        }
        let slots = self
            .slots
            .iter()
            .zip(kinds)
            .map(|(def, kind)| Slot {
                name: def.name.clone(),
                kind,
            })
            .collect();
        CompiledPattern::new(parts, slots)
    }

    /// The literal words of the pattern, to look for a near miss on failure.
    pub(super) fn fuzzy_text(&self, vars: &Vars) -> String {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(t) => text.push_str(t),
                Piece::UseStr {
                    name,
                    same_line: None,
                } => {
                    if let Some(v) = vars.strs.get(name) {
                        text.push_str(v);
                    }
                }
                Piece::NumExpr(Some(e)) => {
                    if let Ok(v) = e.eval(vars, self.line) {
                        text.push_str(&v.to_string());
                    }
                }
                _ => text.push(' '),
            }
        }
        text
    }
}

pub(super) type ParseError = (String, Option<String>);

/// Splits pattern text into literal text, `{{regex}}` and `[[...]]` blocks.
pub(super) fn parse_pieces(
    text: &str,
    is_label: bool,
) -> Result<(Vec<Piece>, Vec<DefSlot>), ParseError> {
    let mut pieces = Vec::new();
    let mut slots: Vec<DefSlot> = Vec::new();
    let mut rest = text;
    loop {
        let next = match (rest.find("{{"), rest.find("[[")) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(start) = next else {
            if !rest.is_empty() {
                pieces.push(Piece::Literal(rest.to_string()));
            }
            break;
        };
        if start > 0 {
            pieces.push(Piece::Literal(rest[..start].to_string()));
        }
        let block = &rest[start + 2..];
        if rest[start..].starts_with("{{") {
            let end = regex_block_end(block).ok_or_else(|| {
                (
                    "found start of regex string with no end `}}`".to_string(),
                    Some(
                        "close the block with `}}`; a literal `{{` is written `{{\\{\\{}}`".into(),
                    ),
                )
            })?;
            let re = &block[..end];
            if re.is_empty() {
                return Err((
                    "invalid regex: empty `{{}}`".to_string(),
                    Some(
                        "as in LLVM FileCheck, a `{{regex}}` block may not be empty; remove it"
                            .into(),
                    ),
                ));
            }
            validate_regex(re)?;
            pieces.push(Piece::Regex(re.to_string()));
            rest = &block[end + 2..];
        } else {
            let end = subst_block_end(block).map_err(|message| {
                (
                    message.to_string(),
                    Some("a literal `[[` is written `{{\\[\\[}}`".into()),
                )
            })?;
            let piece = parse_substitution(&block[..end], &mut slots)?;
            if is_label && refers_to_variable(&piece) {
                return Err((
                    "CHECK-LABEL directives cannot contain variable definitions or uses".into(),
                    Some(
                        "labels are located before any other check runs; use `{{regex}}` here \
                         and capture the value in a CHECK on the label's line with CHECK-SAME"
                            .into(),
                    ),
                ));
            }
            pieces.push(piece);
            rest = &block[end + 2..];
        }
    }
    Ok((pieces, slots))
}

pub(super) fn refers_to_variable(piece: &Piece) -> bool {
    match piece {
        Piece::DefStr { .. } | Piece::UseStr { .. } | Piece::DefNum { .. } => true,
        Piece::NumExpr(Some(e)) => e.vars().next().is_some(),
        _ => false,
    }
}

pub(super) fn validate_regex(re: &str) -> Result<(), ParseError> {
    Regex::new(re).map(|_| ()).map_err(|e| {
        let detail = e.to_string().replace('\n', "\n    ");
        (
            format!("invalid regex `{re}`:\n    {detail}"),
            Some(
                "regexes use Rust `regex` crate syntax; escape literal metacharacters with `\\`"
                    .into(),
            ),
        )
    })
}

/// Index of the `}}` that ends a `{{regex}}` block, given the text after `{{`.
///
/// Braces opened inside the regex are balanced first so that `{{a{2}}}` means
/// `a{2}`; when that finds no end, LLVM's rule (the first `}}`) applies.
pub(super) fn regex_block_end(block: &str) -> Option<usize> {
    let bytes = block.as_bytes();
    let (mut i, mut braces, mut classes) = (0, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' if classes == 0 => {
                classes = 1;
                i += 1;
                // A `]` right after `[` or `[^` is a literal, not the end.
                if bytes.get(i) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                }
                continue;
            }
            b'[' => classes += 1,
            b']' if classes > 0 => classes -= 1,
            b'{' if classes == 0 => braces += 1,
            b'}' if classes == 0 => {
                if braces > 0 {
                    braces -= 1;
                } else if bytes.get(i + 1) == Some(&b'}') {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    block.find("}}")
}

/// Index of the `]]` that ends a `[[...]]` block, given the text after `[[`;
/// brackets inside the block (regex classes) must balance, as in LLVM.
pub(super) fn subst_block_end(block: &str) -> Result<usize, &'static str> {
    let bytes = block.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < bytes.len() {
        if depth == 0 && bytes[i..].starts_with(b"]]") {
            return Ok(i);
        }
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                if depth == 0 {
                    return Err("missing closing `]` for regex variable");
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    Err("invalid substitution block, no `]]` found")
}

pub(super) fn is_var_name(name: &str) -> bool {
    let bare = name.strip_prefix('$').unwrap_or(name);
    bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn check_var_name(name: &str) -> Result<(), ParseError> {
    if is_var_name(name) {
        Ok(())
    } else {
        Err((
            format!("invalid variable name `{name}`"),
            Some(
                "names match `[A-Za-z_][A-Za-z0-9_]*`, with a leading `$` for variables that \
                 survive CHECK-LABEL; a literal `[[` is written `{{\\[\\[}}`"
                    .into(),
            ),
        ))
    }
}

/// Parses the inside of a `[[...]]` block.
pub(super) fn parse_substitution(
    inner: &str,
    slots: &mut Vec<DefSlot>,
) -> Result<Piece, ParseError> {
    let same_line = |slots: &[DefSlot], name: &str| slots.iter().position(|s| s.name == name);
    if let Some(numeric) = inner.strip_prefix('#') {
        return parse_numeric(numeric, slots);
    }
    if inner.starts_with("@LINE") {
        return Ok(Piece::NumExpr(Some(parse_expr(inner)?)));
    }
    match inner.split_once(':') {
        Some((name, regex)) => {
            check_var_name(name)?;
            if same_line(slots, name).is_some() {
                return Err((
                    format!("variable `{name}` is defined twice in the same directive"),
                    Some(format!(
                        "use `[[{name}]]` for the second occurrence (LLVM FileCheck accepts \
                         both and keeps the last value; this is rejected as a likely mistake)"
                    )),
                ));
            }
            validate_regex(regex)?;
            slots.push(DefSlot {
                name: name.to_string(),
                numeric: false,
            });
            Ok(Piece::DefStr {
                slot: slots.len() - 1,
                regex: regex.to_string(),
            })
        }
        None => {
            check_var_name(inner)?;
            let slot = same_line(slots, inner);
            if let Some(slot) = slot {
                if slots[slot].numeric {
                    return Err(same_line_numeric(inner));
                }
            }
            Ok(Piece::UseStr {
                name: inner.to_string(),
                same_line: slot,
            })
        }
    }
}

pub(super) fn same_line_numeric(name: &str) -> ParseError {
    (
        format!("numeric variable `{name}` is used in the same directive that defines it"),
        Some("as in LLVM FileCheck, use it on a later line (e.g. with CHECK-SAME)".into()),
    )
}

pub(super) fn parse_numeric(text: &str, slots: &mut Vec<DefSlot>) -> Result<Piece, ParseError> {
    if text.contains(',') {
        return Err((
            format!("numeric format specifiers are not supported: `[[#{text}]]`"),
            Some(
                "only unsigned decimal values are supported; use `{{0x[0-9a-f]+}}` for others"
                    .into(),
            ),
        ));
    }
    let check_expr = |expr: &Expr, slots: &[DefSlot]| -> Result<(), ParseError> {
        match expr.vars().find(|v| slots.iter().any(|s| s.name == *v)) {
            Some(name) => Err(same_line_numeric(name)),
            None => Ok(()),
        }
    };
    let piece = match text.split_once(':') {
        Some((name, expr)) => {
            let name = name.trim();
            check_var_name(name)?;
            if slots.iter().any(|s| s.name == name) {
                return Err((
                    format!("variable `{name}` is defined twice in the same directive"),
                    Some(
                        "LLVM FileCheck accepts both and keeps the last value; this is \
                         rejected as a likely mistake"
                            .into(),
                    ),
                ));
            }
            let expr = match strip_equality(expr)? {
                "" => None,
                e => Some(parse_expr(e)?),
            };
            if let Some(e) = &expr {
                check_expr(e, slots)?;
            }
            slots.push(DefSlot {
                name: name.to_string(),
                numeric: true,
            });
            Piece::DefNum {
                slot: slots.len() - 1,
                expr,
            }
        }
        None => match strip_equality(text)? {
            "" => Piece::NumExpr(None),
            e => {
                let expr = parse_expr(e)?;
                check_expr(&expr, slots)?;
                Piece::NumExpr(Some(expr))
            }
        },
    };
    Ok(piece)
}

/// The expression of a numeric block without LLVM's optional `==`
/// matching constraint (`[[#==N]]`, `[[#M:==N+1]]`); `==` alone is an error.
pub(super) fn strip_equality(text: &str) -> Result<&str, ParseError> {
    let text = text.trim();
    match text.strip_prefix("==") {
        Some(rest) if rest.trim().is_empty() => Err((
            "`==` needs an expression after it".to_string(),
            Some("write e.g. `[[#==N]]` or `[[#==N+1]]`".into()),
        )),
        Some(rest) => Ok(rest.trim()),
        None => Ok(text),
    }
}

/// Parses `term (('+' | '-') term)*` where a term is a decimal literal,
/// `@LINE` or a variable name.
pub(super) fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let unsupported = || {
        (
            format!("unsupported numeric expression `{text}`"),
            Some(
                "expressions are sums and differences of variables, decimal numbers and @LINE"
                    .into(),
            ),
        )
    };
    let mut terms = Vec::new();
    let mut rest = text.trim_start();
    // A leading minus (`[[#-5]]`) parses; its negative value is then
    // rejected as LLVM rejects it.
    let mut negative = match rest.strip_prefix('-') {
        Some(tail) => {
            rest = tail.trim_start();
            true
        }
        None => false,
    };
    loop {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '@'))
            .unwrap_or(rest.len());
        let (token, tail) = rest.split_at(len);
        let operand = if token == "@LINE" {
            Operand::Line
        } else if !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) {
            Operand::Literal(token.parse().map_err(|_| unsupported())?)
        } else if is_var_name(token) {
            Operand::Var(token.to_string())
        } else {
            return Err(unsupported());
        };
        terms.push((negative, operand));
        rest = tail.trim_start();
        negative = match rest.chars().next() {
            None => break,
            Some('+') => false,
            Some('-') => true,
            Some(_) => return Err(unsupported()),
        };
        rest = rest[1..].trim_start();
    }
    Ok(Expr(terms))
}

/// Text with each run of spaces and tabs made one space, as LLVM FileCheck
/// canonicalizes its input (and so the values it captures).
pub(super) fn canonical(text: &str) -> Cow<'_, str> {
    if !text.contains(['\t', ' ']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push(c);
            blank = false;
        }
    }
    Cow::Owned(out)
}

/// Regex for literal pattern text: runs of blanks match any run of blanks.
pub(super) fn literal_regex(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut in_blank = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !in_blank {
                out.push_str(&regex::escape(&word));
                word.clear();
                out.push_str("[ \\t]+");
                in_blank = true;
            }
        } else {
            in_blank = false;
            word.push(c);
        }
    }
    out.push_str(&regex::escape(&word));
    out
}

// ---------------------------------------------------------------------------
// CompiledPattern patterns and searching
// ---------------------------------------------------------------------------
