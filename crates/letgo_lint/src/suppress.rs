//! Suppression comments, on the flagged line or the line above it:
//!
//! - `//letgo:ignore LG103 reason` (codes or prefixes, comma or space
//!   separated; no code means every rule);
//! - `//nolint`, `//nolint:letgo`, `//nolint:all`, `//nolint:letgo,errcheck`
//!   as golangci-lint users write them (a `//nolint:` list without `letgo`
//!   or `all` names other linters and does not silence letgo).

use letgo_go::load::SourceFile;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    All,
    Codes(Vec<String>),
}

/// The suppressions of one file, by 1-based line of the comment.
#[derive(Debug, Default)]
pub struct Suppressions {
    lines: Vec<(u32, Scope)>,
}

impl Suppressions {
    pub fn of(file: &SourceFile) -> Self {
        let mut lines = Vec::new();
        for c in &file.ast.comments {
            let text = c.text(&file.src);
            if let Some(scope) = parse(text) {
                let (line, _) = file.line_col(c.span.start);
                lines.push((line, scope));
            }
        }
        Suppressions { lines }
    }

    /// Whether a finding of `code` on `line` is suppressed.
    pub fn covers(&self, line: u32, code: &str) -> bool {
        self.lines.iter().any(|(l, scope)| {
            (*l == line || *l + 1 == line)
                && match scope {
                    Scope::All => true,
                    Scope::Codes(codes) => codes.iter().any(|c| {
                        code.get(..c.len())
                            .is_some_and(|p| p.eq_ignore_ascii_case(c))
                    }),
                }
        })
    }
}

fn parse(text: &str) -> Option<Scope> {
    let body = text.strip_prefix("//")?;
    if let Some(rest) = body.strip_prefix("letgo:ignore") {
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            return None;
        }
        let codes: Vec<String> = rest
            .split([' ', '\t', ','])
            .take_while(|w| w.is_empty() || is_code(w))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        return Some(if codes.is_empty() || codes.iter().any(|c| c == "all") {
            Scope::All
        } else {
            Scope::Codes(codes)
        });
    }
    let rest = body.strip_prefix("nolint")?;
    if rest.is_empty() || rest.starts_with([' ', '\t']) {
        return Some(Scope::All);
    }
    let list = rest.strip_prefix(':')?;
    let names = list.split([' ', '\t']).next().unwrap_or("");
    names
        .split(',')
        .any(|n| n == "letgo" || n == "all")
        .then_some(Scope::All)
}

fn is_code(word: &str) -> bool {
    word.eq_ignore_ascii_case("all")
        || word.len() >= 2
            && word[..2].eq_ignore_ascii_case("LG")
            && word[2..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        assert_eq!(
            parse("//letgo:ignore LG103 the receiver drains it"),
            Some(Scope::Codes(vec!["LG103".into()]))
        );
        assert_eq!(
            parse("//letgo:ignore LG103,LG2 reason"),
            Some(Scope::Codes(vec!["LG103".into(), "LG2".into()]))
        );
        assert_eq!(parse("//letgo:ignore"), Some(Scope::All));
        assert_eq!(parse("//letgo:ignored"), None);
        assert_eq!(parse("//nolint"), Some(Scope::All));
        assert_eq!(parse("//nolint // legacy"), Some(Scope::All));
        assert_eq!(parse("//nolint:letgo"), Some(Scope::All));
        assert_eq!(parse("//nolint:errcheck,letgo // why"), Some(Scope::All));
        assert_eq!(parse("//nolint:errcheck"), None);
        assert_eq!(parse("// nolint"), None);
        assert_eq!(parse("// letgo:ignore"), None);
    }

    #[test]
    fn covers_the_line_and_the_line_below() {
        let s = Suppressions {
            lines: vec![(10, Scope::Codes(vec!["LG1".into()]))],
        };
        assert!(s.covers(10, "LG103"));
        assert!(s.covers(11, "LG106"));
        assert!(!s.covers(12, "LG103"));
        assert!(!s.covers(10, "LG201"));
    }
}
