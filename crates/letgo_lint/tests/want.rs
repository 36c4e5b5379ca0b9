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

/// Fixture files named `display_only*.go` hold cases where a fix would
/// change behaviour outside the leak (the value outlives the function, a
/// lock is handed off, a timer must fire later): every finding there
/// must have no fix `--fix` applies, not even with `--unsafe-fixes`.
/// In files named `no_fix*.go` findings must have no fix at all.
#[test]
fn display_only_fixtures_get_no_applied_fix() {
    let mut failures = Vec::new();
    let mut files = 0;
    for rule in RULES {
        for module in common::fixture_modules() {
            let dir = module.join(rule.code.to_lowercase());
            if !dir.is_dir() {
                continue;
            }
            let (program, findings) = common::run(&dir, &[rule.code]);
            for sf in program.files() {
                let name = sf.path.file_name().unwrap().to_string_lossy();
                let no_fix = name.starts_with("no_fix");
                if !name.starts_with("display_only") && !no_fix {
                    continue;
                }
                files += 1;
                let here: Vec<_> = findings
                    .iter()
                    .filter(|f| std::ptr::eq(f.source_file(&program), sf))
                    .collect();
                if here.is_empty() {
                    failures.push(format!("{}/{name}: no finding at all", rule.code));
                }
                for f in here {
                    let applied = f
                        .diagnostic
                        .fix
                        .as_ref()
                        .is_some_and(|fix| no_fix || letgo_lint::fix::is_applicable(fix, true));
                    if applied {
                        let (line, _) = sf.line_col(f.diagnostic.span.start);
                        failures.push(format!(
                            "{}/{name}:{line}: fix would be applied ({:?})",
                            rule.code,
                            f.diagnostic.fix.as_ref().map(|x| x.applicability)
                        ));
                    }
                }
            }
        }
    }
    assert!(files > 0, "no display_only fixture");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
