//! Which sm targets a test runs for: its `sm:` list or the suite's matrix,
//! each either planned or skipped with the directive that excluded it.

use ptx_backend::SmTarget;

use super::directives::RevisionDirectives;

/// One target of one test revision, with a skip reason when excluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetChoice {
    /// The target.
    pub sm: SmTarget,
    /// Why it is skipped, if it is.
    pub skip: Option<String>,
}

/// The targets of one revision: its `sm:` list if it has one, otherwise the
/// suite matrix; filtered by `min-sm`, `only-sm` and `ignore-sm`.
pub fn targets_for(directives: &RevisionDirectives, matrix: &[SmTarget]) -> Vec<TargetChoice> {
    let list = directives.sm.clone().unwrap_or_else(|| matrix.to_vec());
    list.into_iter()
        .map(|sm| TargetChoice {
            sm,
            skip: directives.sm_filter(sm).err(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> SmTarget {
        s.parse().unwrap()
    }

    #[test]
    fn own_list_wins_and_filters_give_reasons() {
        let matrix = vec![t("sm_75"), t("sm_80"), t("sm_90a")];
        let mut d = RevisionDirectives {
            min_sm: Some(80),
            ..Default::default()
        };
        let got = targets_for(&d, &matrix);
        assert_eq!(got.len(), 3);
        assert!(got[0].skip.as_deref().unwrap().contains("min-sm: 80"));
        assert!(got[1].skip.is_none() && got[2].skip.is_none());
        d.sm = Some(vec![t("sm_100")]);
        let got = targets_for(&d, &matrix);
        assert_eq!(
            got,
            vec![TargetChoice {
                sm: t("sm_100"),
                skip: None
            }]
        );
    }
}
