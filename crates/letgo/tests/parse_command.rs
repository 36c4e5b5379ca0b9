//! `letgo parse` as a user runs it: exit codes, error lines, the tree.

use std::path::Path;
use std::process::Command;

fn letgo(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn example_module() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/leaky-service")
}

#[test]
fn the_example_module_parses_cleanly() {
    let (code, out, err) = letgo(&["parse"], &example_module());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("parsed 4 files"), "{err}");
}

#[test]
fn syntax_errors_are_file_line_col_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bad.go"),
        "package p\n\nfunc f() {\n\tx := \n}\n\nfunc g() {\n\tfor {\n}\n",
    )
    .unwrap();
    let (code, out, _) = letgo(&["parse", "bad.go"], tmp.path());
    assert_eq!(code, 2);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "bad.go:5:1: expected operand, found '}'");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bad.go:10:1: expected '}'")),
        "{out}"
    );
}

#[test]
fn a_missing_path_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = letgo(&["parse", "nope/..."], tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn ast_prints_the_tree_with_line_columns() {
    let (code, out, _) = letgo(
        &["parse", "--ast", "internal/cache/cache.go"],
        &example_module(),
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("== internal/cache/cache.go\nFile 2:1-33:2\n  Ident 2:9-2:14 cache\n"),
        "{out}"
    );
    let funcs: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  FuncDecl"))
        .collect();
    assert_eq!(
        funcs,
        [
            "  FuncDecl 15:1-17:2",
            "  FuncDecl 20:1-25:2",
            "  FuncDecl 28:1-33:2"
        ]
    );
}

#[test]
fn no_tests_skips_test_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.go"), "package a\n").unwrap();
    std::fs::write(tmp.path().join("a_test.go"), "package a\nfunc (\n").unwrap();
    assert_eq!(letgo(&["parse"], tmp.path()).0, 2);
    let (code, _, err) = letgo(&["parse", "--no-tests"], tmp.path());
    assert_eq!(code, 0, "{err}");
}
