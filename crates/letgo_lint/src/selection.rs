//! Which rules run: `--select` and `--ignore` lists of codes or code
//! prefixes (`LG1`, `LG10`, `ALL`), as ruff and golangci-lint users write
//! them.

use crate::registry::{Rule, RULES};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Empty means every rule.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    /// Whether `code` runs: selected (or nothing selected) and not ignored.
    pub fn enabled(&self, code: &str) -> bool {
        let matches = |prefix: &String| {
            prefix.eq_ignore_ascii_case("ALL")
                || code
                    .get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        (self.select.is_empty() || self.select.iter().any(matches))
            && !self.ignore.iter().any(matches)
    }

    pub fn rules(&self) -> impl Iterator<Item = &'static Rule> + '_ {
        RULES.iter().copied().filter(|r| self.enabled(r.code))
    }

    /// Codes or prefixes that match no rule, for a helpful error.
    pub fn unknown(&self) -> Vec<&str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| {
                !p.eq_ignore_ascii_case("ALL")
                    && !RULES.iter().any(|r| {
                        r.code
                            .get(..p.len())
                            .is_some_and(|c| c.eq_ignore_ascii_case(p))
                    })
            })
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(select: &[&str], ignore: &[&str]) -> Selection {
        Selection {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn prefixes_select_and_ignore_wins() {
        assert!(sel(&[], &[]).enabled("LG103"));
        assert!(sel(&["LG1"], &[]).enabled("LG103"));
        assert!(!sel(&["LG2"], &[]).enabled("LG103"));
        assert!(!sel(&["LG1"], &["LG103"]).enabled("LG103"));
        assert!(sel(&["all"], &["LG2"]).enabled("lg106"));
        assert_eq!(sel(&["LG9", "LG1"], &["XX"]).unknown(), vec!["LG9", "XX"]);
    }
}
