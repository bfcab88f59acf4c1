//! CompiledPattern patterns: regexes assembled from a pattern with the variables' current values, and the captures they define.

use super::*;

#[derive(Debug, Clone, Default)]
pub(super) struct Vars {
    pub(super) strs: HashMap<String, String>,
    pub(super) nums: HashMap<String, i128>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Str(String),
    Num(i128),
}

impl Vars {
    pub(super) fn commit(&mut self, defs: Vec<(String, Value)>) {
        for (name, value) in defs {
            match value {
                Value::Str(s) => {
                    self.nums.remove(&name);
                    self.strs.insert(name, s);
                }
                Value::Num(n) => {
                    self.strs.remove(&name);
                    self.nums.insert(name, n);
                }
            }
        }
    }

    pub(super) fn clear_locals(&mut self) {
        self.strs.retain(|name, _| name.starts_with('$'));
        self.nums.retain(|name, _| name.starts_with('$'));
    }

    pub(super) fn describe(&self, name: &str) -> Option<String> {
        self.strs
            .get(name)
            .map(|v| format!("{v:?}"))
            .or_else(|| self.nums.get(name).map(i128::to_string))
    }
}

#[derive(Debug, Clone)]
pub(super) enum SlotKind {
    Str(String),
    AnyNumber,
    Number(i128),
}

#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) name: String,
    pub(super) kind: SlotKind,
}

impl Slot {
    pub(super) fn regex(&self) -> String {
        match &self.kind {
            SlotKind::Str(re) => format!("(?:{re})"),
            SlotKind::AnyNumber => "[0-9]+".into(),
            SlotKind::Number(n) => regex::escape(&n.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Part {
    Fixed(String),
    Def(usize),
    /// A use of the variable defined by `slot` earlier in the same pattern.
    Use {
        slot: usize,
        id: usize,
    },
}

/// A pattern turned into a regex for one set of variable values.
///
/// The `regex` crate has no backreferences, so a variable reused in its own
/// directive is first matched as a second copy of its regex (a superset of
/// the real language) and the two captures are compared; when they differ,
/// `exact_backref_match` tries the candidate values one by one.
#[derive(Debug, Clone)]
pub(super) struct CompiledPattern {
    pub(super) regex: Regex,
    pub(super) parts: Vec<Part>,
    pub(super) slots: Vec<Slot>,
}

/// A match: byte range in the input and the variables it defines.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) defs: Vec<(String, Value)>,
}

/// Same-line reuse tries every candidate value; beyond these bounds the
/// search would be too slow and is reported instead.
pub(super) const MAX_BACKREF_LINE: usize = 2048;
pub(super) const MAX_BACKREF_COMBINATIONS: usize = 512;

impl CompiledPattern {
    pub(super) fn new(parts: Vec<Part>, slots: Vec<Slot>) -> Result<CompiledPattern, String> {
        let source = assemble(&parts, &slots, &HashMap::new());
        let regex = Regex::new(&source).or_else(|first| {
            // A user regex with named groups cannot be copied for a same-line
            // use; `.*` is a weaker but still sound prefilter.
            let relaxed = assemble_with(&parts, &slots, &HashMap::new(), true);
            Regex::new(&relaxed).map_err(|_| format!("cannot compile pattern: {first}"))
        })?;
        Ok(CompiledPattern {
            regex,
            parts,
            slots,
        })
    }

    /// Leftmost match in `text[from..to]` that lies within one line.
    ///
    /// The search sees only `text[from..to]`, as LLVM's does: `^` (and
    /// `{{^}}`) matches where the search starts even mid-line, e.g. right
    /// after the previous match, and `$` where it ends.
    pub(super) fn find(&self, text: &str, from: usize, to: usize) -> Result<Option<Found>, String> {
        Ok(self.find_in(&text[from..to])?.map(|f| Found {
            start: f.start + from,
            end: f.end + from,
            defs: f.defs,
        }))
    }

    /// Leftmost match in `hay` that lies within one line.
    pub(super) fn find_in(&self, hay: &str) -> Result<Option<Found>, String> {
        let (text, to) = (hay, hay.len());
        let mut pos = 0;
        let mut exact_cache = ExactCache::default();
        while pos <= to {
            let Some(caps) = self.regex.captures_at(hay, pos) else {
                return Ok(None);
            };
            let whole = caps.get(0).expect("group 0 always participates");
            let line_end = hay[whole.start()..]
                .find('\n')
                .map_or(to, |i| whole.start() + i);
            // A regex like `\s` may run into the next line; retry confined
            // to this line, since patterns never span lines.
            let in_line = if whole.end() <= line_end {
                Some(caps)
            } else {
                self.regex.captures_at(&hay[..line_end], whole.start())
            };
            if let Some(caps) = in_line {
                if self.backrefs_hold(&caps) {
                    return found(&caps, &self.slots).map(Some);
                }
                let exact =
                    self.exact_backref_match(text, whole.start(), line_end, &mut exact_cache)?;
                if let Some(hit) = exact {
                    return Ok(Some(hit));
                }
            }
            pos = line_end + 1;
        }
        Ok(None)
    }

    pub(super) fn backrefs_hold(&self, caps: &Captures<'_>) -> bool {
        self.parts.iter().all(|part| match part {
            Part::Use { slot, id } => {
                let def = caps.name(&def_group(*slot)).map(|m| canonical(m.as_str()));
                let used = caps.name(&use_group(*id)).map(|m| canonical(m.as_str()));
                def == used
            }
            _ => true,
        })
    }

    /// Exact search for a same-line reuse on `text[start..end]`: every value
    /// the definition's regex could capture there is substituted in turn.
    pub(super) fn exact_backref_match(
        &self,
        text: &str,
        start: usize,
        end: usize,
        cache: &mut ExactCache,
    ) -> Result<Option<Found>, String> {
        let mut reused: Vec<usize> = self
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Use { slot, .. } => Some(*slot),
                _ => None,
            })
            .collect();
        reused.sort_unstable();
        reused.dedup();
        if reused.is_empty() {
            return Ok(None);
        }
        let segment = &text[start..end];
        if segment.len() > MAX_BACKREF_LINE {
            return Err(format!(
                "input line is too long ({} bytes) to match a variable reused in its own directive",
                segment.len()
            ));
        }
        let mut candidates: Vec<Vec<&str>> = Vec::new();
        for &slot in &reused {
            let whole = cached_regex(&mut cache.whole, slot, || {
                format!(r"\A{}\z", self.slots[slot].regex())
            })?;
            let bounds: Vec<usize> = segment
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(segment.len()))
                .collect();
            // The definition and each use of it match the same text at
            // successive, non-overlapping places, so a value seen fewer times
            // cannot work; this prunes nearly every candidate on real lines.
            let needed = 1 + self
                .parts
                .iter()
                .filter(|part| matches!(part, Part::Use { slot: s, .. } if *s == slot))
                .count();
            let mut values = Vec::new();
            let mut seen = HashSet::new();
            // Earliest and longest values first, like a greedy regex would.
            for (k, &a) in bounds.iter().enumerate() {
                for &b in bounds[k..].iter().rev() {
                    let value = &segment[a..b];
                    if whole.is_match(value)
                        && seen.insert(value)
                        && (value.is_empty() || segment.matches(value).count() >= needed)
                    {
                        values.push(value);
                    }
                }
            }
            if values.is_empty() {
                return Ok(None);
            }
            candidates.push(values);
        }
        let combinations = candidates
            .iter()
            .try_fold(1usize, |acc, v| acc.checked_mul(v.len()))
            .unwrap_or(usize::MAX);
        if combinations > MAX_BACKREF_COMBINATIONS {
            return Err(format!(
                "too many candidate values ({combinations}) for a variable reused in its own \
                 directive; make the definition's regex more specific"
            ));
        }
        let hay = &text[..end];
        let mut best: Option<Found> = None;
        let mut choice = vec![0; reused.len()];
        loop {
            let values: Vec<String> = (0..reused.len())
                .map(|i| candidates[i][choice[i]].to_string())
                .collect();
            let subst: HashMap<usize, &str> = reused
                .iter()
                .zip(&values)
                .map(|(&slot, value)| (slot, value.as_str()))
                .collect();
            let regex = cached_regex(&mut cache.exact, values.clone(), || {
                assemble(&self.parts, &self.slots, &subst)
            })?;
            if let Some(caps) = regex.captures_at(hay, start) {
                let hit = found(&caps, &self.slots)?;
                if best.as_ref().is_none_or(|b| hit.start < b.start) {
                    best = Some(hit);
                }
            }
            // Advance the odometer over all combinations.
            let mut i = 0;
            loop {
                if i == choice.len() {
                    return Ok(best);
                }
                choice[i] += 1;
                if choice[i] < candidates[i].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
        }
    }
}

/// Regexes built by `exact_backref_match`, kept for the lines that follow.
#[derive(Default)]
pub(super) struct ExactCache {
    /// Per reused slot: its definition's regex, anchored at both ends.
    pub(super) whole: HashMap<usize, Regex>,
    /// Per combination of values: the pattern with those values substituted.
    pub(super) exact: HashMap<Vec<String>, Regex>,
}

pub(super) fn cached_regex<K: Eq + std::hash::Hash>(
    map: &mut HashMap<K, Regex>,
    key: K,
    source: impl FnOnce() -> String,
) -> Result<&Regex, String> {
    match map.entry(key) {
        Entry::Occupied(entry) => Ok(entry.into_mut()),
        Entry::Vacant(entry) => {
            let regex = Regex::new(&source()).map_err(|e| e.to_string())?;
            Ok(entry.insert(regex))
        }
    }
}

pub(super) fn def_group(slot: usize) -> String {
    format!("__fc_def{slot}")
}

pub(super) fn use_group(id: usize) -> String {
    format!("__fc_use{id}")
}

/// Joins the parts into a regex; `subst` fixes reused variables to a value.
pub(super) fn assemble(parts: &[Part], slots: &[Slot], subst: &HashMap<usize, &str>) -> String {
    assemble_with(parts, slots, subst, false)
}

pub(super) fn assemble_with(
    parts: &[Part],
    slots: &[Slot],
    subst: &HashMap<usize, &str>,
    loose_uses: bool,
) -> String {
    // Multi-line mode: `^` and `$` match at line boundaries, as in LLVM.
    let mut out = String::from("(?m)");
    for part in parts {
        match part {
            Part::Fixed(re) => out.push_str(re),
            Part::Def(slot) => {
                let body = match subst.get(slot) {
                    Some(value) => regex::escape(value),
                    None => slots[*slot].regex(),
                };
                out.push_str(&format!("(?P<{}>{body})", def_group(*slot)));
            }
            Part::Use { slot, id } => match subst.get(slot) {
                Some(value) => out.push_str(&literal_regex(value)),
                None if loose_uses => out.push_str(&format!("(?P<{}>.*)", use_group(*id))),
                None => out.push_str(&format!("(?P<{}>{})", use_group(*id), slots[*slot].regex())),
            },
        }
    }
    out
}

pub(super) fn found(caps: &Captures<'_>, slots: &[Slot]) -> Result<Found, String> {
    let whole = caps.get(0).expect("group 0 always participates");
    let mut defs = Vec::with_capacity(slots.len());
    for (index, slot) in slots.iter().enumerate() {
        let text = caps.name(&def_group(index)).map_or("", |m| m.as_str());
        let value = match slot.kind {
            SlotKind::Str(_) => Value::Str(text.to_string()),
            SlotKind::Number(n) => Value::Num(n),
            SlotKind::AnyNumber => Value::Num(text.parse().map_err(|_| {
                format!(
                    "captured value `{text}` for `{}` does not fit in 128 bits",
                    slot.name
                )
            })?),
        };
        defs.push((slot.name.clone(), value));
    }
    Ok(Found {
        start: whole.start(),
        end: whole.end(),
        defs,
    })
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------
