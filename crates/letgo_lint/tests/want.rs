//! Every rule against its fixture package: findings must match the
//! `// want "CODE"` comments exactly (a missing finding fails, an extra
//! one fails).

mod common;

use letgo_lint::RULES;

#[test]
fn findings_match_want_comments() {
    let mut failures = Vec::new();
    for rule in RULES {
        let dir = common::fixtures_dir().join(rule.code.to_lowercase());
        assert!(
            dir.is_dir(),
            "{} has no fixture package at {}",
            rule.code,
            dir.display()
        );
        let (program, findings) = common::run(&dir, &[rule.code]);
        let (found, wanted) = (common::found(&program, &findings), common::wanted(&program));
        assert!(
            !wanted.is_empty(),
            "{} fixture has no want comments",
            rule.code
        );
        for w in wanted.iter().filter(|w| !found.contains(w)) {
            failures.push(format!("missing: {}:{} {}", w.0, w.1, w.2));
        }
        for f in found.iter().filter(|f| !wanted.contains(f)) {
            let msg = findings
                .iter()
                .find(|x| x.source_file(&program).line_col(x.diagnostic.span.start).0 == f.1)
                .map(|x| x.diagnostic.message.clone())
                .unwrap_or_default();
            failures.push(format!("unexpected: {}:{} {} {msg}", f.0, f.1, f.2));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
