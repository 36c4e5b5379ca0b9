//! Every rule against its fixture packages: in each fixture module, the
//! package named by the rule's lowercase code. Findings must match the
//! `// want "CODE"` comments exactly (a missing finding fails, an extra
//! one fails).

mod common;

use letgo_lint::{Rule, RULES};
use std::path::Path;

#[test]
fn findings_match_want_comments() {
    let mut failures = Vec::new();
    for rule in RULES {
        let dirs: Vec<_> = common::fixture_modules()
            .into_iter()
            .map(|m| m.join(rule.code.to_lowercase()))
            .filter(|d| d.is_dir())
            .collect();
        assert!(!dirs.is_empty(), "{} has no fixture package", rule.code);
        let mut wanted = 0;
        for dir in dirs {
            wanted += compare(rule, &dir, &mut failures);
        }
        assert!(wanted > 0, "{} fixtures have no want comments", rule.code);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Compares one fixture package; returns how many findings it wants.
fn compare(rule: &Rule, dir: &Path, failures: &mut Vec<String>) -> usize {
    let (program, findings) = common::run(dir, &[rule.code]);
    let (found, wanted) = (common::found(&program, &findings), common::wanted(&program));
    let module = dir.parent().unwrap().file_name().unwrap().to_string_lossy();
    for w in wanted.iter().filter(|w| !found.contains(w)) {
        failures.push(format!("missing: {module}/{}:{} {}", w.0, w.1, w.2));
    }
    for f in found.iter().filter(|f| !wanted.contains(f)) {
        let msg = findings
            .iter()
            .find(|x| x.source_file(&program).line_col(x.diagnostic.span.start).0 == f.1)
            .map(|x| x.diagnostic.message.clone())
            .unwrap_or_default();
        failures.push(format!(
            "unexpected: {module}/{}:{} {} {msg}",
            f.0, f.1, f.2
        ));
    }
    wanted.len()
}
