//! "Did you mean …?": the one way every message here picks the candidate
//! nearest a misspelled name (directives and their values, sm targets,
//! check prefixes and suffixes, CUDA error names). Names are compared
//! case-folded with `_` and `-` as one (`min_sm` and `MIN-SM` are the same
//! slip as a typo), by strsim's Damerau–Levenshtein distance (a swap of two
//! letters is one edit). Test paths (a filter that matched nothing) are
//! ranked by [`similar_paths`].

fn fold(s: &str) -> String {
    s.to_ascii_lowercase().replace('_', "-")
}

fn distance(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(&fold(a), &fold(b))
}

/// The candidate closest to `input`, however far: for messages that always
/// name one (ties: the first in `candidates`, so list the likelier first).
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .enumerate()
        .min_by_key(|&(i, c)| (distance(input, c), i))
        .map(|(_, c)| *c)
}

/// The candidate close enough to `input` to be a typo of it, if any: the
/// same words in another order (`sm-min`), a distance of at most a third of
/// the length (at least 1), or one being a prefix of the other.
pub fn nearest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input_f = fold(input);
    let sorted_words = |s: &str| {
        let mut w: Vec<String> = s.split('-').map(str::to_string).collect();
        w.sort_unstable();
        w
    };
    // Word order is the usual slip, and edit distance ranks it badly.
    if let Some(c) = candidates
        .iter()
        .find(|c| fold(c) == input_f || sorted_words(&fold(c)) == sorted_words(&input_f))
    {
        return Some(c);
    }
    candidates
        .iter()
        .filter_map(|c| {
            let folded = fold(c);
            let d = strsim::damerau_levenshtein(&input_f, &folded);
            let limit = (input_f.len().max(folded.len()) / 3).max(1);
            let prefix = input_f.len() >= 2
                && folded.len() >= 2
                && (input_f.starts_with(&folded) || folded.starts_with(&input_f));
            (d <= limit || prefix).then_some((d, *c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The `candidates` (test paths and folders, `suite/folder/`) similar to
/// `input`, most similar first: by strsim's normalized Levenshtein
/// similarity to the whole path or to its last segment (with and without
/// its `/`), at least 0.6. For a filter that matched no trial.
pub fn similar_paths<'a>(input: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let score = |c: &str| {
        let last = c.trim_end_matches('/').rsplit('/').next().unwrap_or(c);
        let last_slash = format!("{last}/");
        [c, last, last_slash.as_str()]
            .iter()
            .map(|x| strsim::normalized_levenshtein(input, x))
            .fold(0.0, f64::max)
    };
    let mut close: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| (score(c), *c))
        .filter(|(s, _)| *s >= 0.6)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    close.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_paths_match_a_misspelled_folder_by_its_last_segment() {
        let candidates = [
            "run-gpu/",
            "run-gpu/integers/",
            "run-gpu/floats/",
            "ui/checks/",
        ];
        assert_eq!(
            similar_paths("integres/", &candidates),
            ["run-gpu/integers/"]
        );
        assert!(similar_paths("zzzz", &candidates).is_empty());
    }

    #[test]
    fn typos_swaps_case_and_word_order() {
        let names = ["min-sm", "only-sm", "revisions", "compile-flags"];
        assert_eq!(nearest("min_sm", &names), Some("min-sm"));
        assert_eq!(nearest("MIN-SM", &names), Some("min-sm"));
        assert_eq!(nearest("sm-min", &names), Some("min-sm"));
        assert_eq!(nearest("revisoins", &names), Some("revisions"));
        assert_eq!(
            nearest("compile", &names),
            Some("compile-flags"),
            "a prefix"
        );
        assert_eq!(nearest("stdout", &names), None, "nothing close");
    }

    #[test]
    fn closest_always_names_one() {
        assert_eq!(
            closest("NXT", &["NEXT", "SAME", "NOT"]),
            Some("NEXT"),
            "a tie: the first"
        );
        assert_eq!(closest("NEXR", &["NEXT", "SAME", "NOT"]), Some("NEXT"));
        assert_eq!(closest("x", &[]), None);
    }
}
