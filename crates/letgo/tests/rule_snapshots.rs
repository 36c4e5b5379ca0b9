//! What a user sees for each rule's fixtures: the text output of
//! `letgo check --select CODE` over the rule's fixture packages, colours
//! off and paths relative to `crates/letgo_lint/tests`, kept as one insta
//! snapshot per rule code. A new rule gets a new snapshot on its first run
//! (review and accept it with `cargo insta review`, or run with
//! `INSTA_UPDATE=always`).

mod common;

use letgo_lint::RULES;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn every_rule_has_a_text_snapshot_of_its_fixtures() {
    let base = common::lint_tests_dir();
    let mut failed = Vec::new();
    for rule in RULES {
        let packages = common::fixture_packages(rule.code);
        assert!(!packages.is_empty(), "{} has no fixture package", rule.code);
        let mut args = vec!["check", "--select", rule.code];
        let rels: Vec<String> = packages
            .iter()
            .map(|(_, pkg)| {
                pkg.strip_prefix(&base)
                    .expect("fixtures live under the lint tests")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        args.extend(rels.iter().map(String::as_str));
        let out = common::letgo(&args, &base);
        assert_eq!(out.code, 1, "{}: {}{}", rule.code, out.stdout, out.stderr);
        assert!(out.stderr.is_empty(), "{}: {}", rule.code, out.stderr);
        // Every rule is snapshotted before the test fails, so that one run
        // records the snapshots of all new rules.
        let snapshot = catch_unwind(AssertUnwindSafe(|| {
            insta::assert_snapshot!(rule.code, out.stdout);
        }));
        if snapshot.is_err() {
            failed.push(rule.code);
        }
    }
    assert!(failed.is_empty(), "snapshots differ for {failed:?}");
}
