//! Every bad input `letgo check` can meet gives one line naming the file
//! (and line) on stderr, a summary that does not say "All clear", and
//! exit 2; writes to a closed or full stdout/stderr end with exit 2, not a
//! panic.

mod common;

use common::letgo;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

const GO_MOD: &str = "module m\n\ngo 1.27\n";

fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Runs `letgo check args` in `dir`; asserts exit 2, exactly `stderr` on
/// stderr, and the summary counting one input error.
fn assert_one_input_error(dir: &Path, args: &[&str], stderr: &str) {
    let mut all = vec!["check"];
    all.extend(args);
    let out = letgo(&all, dir);
    assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr, format!("{stderr}\n"), "{args:?}");
    assert_eq!(out.stdout, "1 input error; no findings.\n", "{args:?}");
}

#[test]
fn a_directory_without_go_files_is_an_error() {
    let dir = dir_with(&[("go.mod", GO_MOD.as_bytes()), ("sub/README", b"hi")]);
    assert_one_input_error(dir.path(), &["sub"], "no Go files in sub");
    assert_one_input_error(dir.path(), &[], "\"./...\" matched no packages");
}

#[test]
fn two_package_clauses_in_one_directory_are_an_error() {
    let dir = dir_with(&[
        ("go.mod", GO_MOD.as_bytes()),
        ("a.go", b"package a\n"),
        ("a_test.go", b"package a_test\n"),
        ("b.go", b"// b\npackage b\n"),
    ]);
    let abs = dir.path().canonicalize().unwrap();
    let want = format!(
        "b.go:2:9: found packages a (a.go) and b (b.go) in {}",
        abs.display()
    );
    // The path is shown relative to where letgo runs.
    let out = letgo(&["check"], &abs);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr, format!("{want}\n"));
}

#[test]
fn a_go_version_newer_than_letgo_knows_is_an_error() {
    let dir = dir_with(&[
        ("go.mod", b"module m\n\ngo 1.99\n"),
        ("a.go", b"package a\n"),
    ]);
    assert_one_input_error(
        dir.path(),
        &[],
        "go.mod:3: go.mod requires go >= 1.99; letgo knows Go up to 1.27",
    );
}

#[test]
fn a_malformed_go_mod_is_an_error_at_its_line() {
    let dir = dir_with(&[
        ("go.mod", b"module m\n\ngo 1.27\n\nrequire (\n"),
        ("a.go", b"package a\n"),
    ]);
    assert_one_input_error(dir.path(), &[], "go.mod:5: unterminated require block");
}

#[test]
fn a_go_mod_that_is_a_directory_is_an_error() {
    let dir = dir_with(&[("a.go", b"package a\n"), ("go.mod/x", b"")]);
    let out = letgo(&["check"], dir.path());
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.starts_with("go.mod: cannot read: ") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "1 input error; no findings.\n");
}

#[test]
fn a_binary_named_x_go_is_one_error() {
    // The first bytes of an ELF executable, then noise on many lines.
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec();
    for i in 0..20_000u32 {
        bytes.extend_from_slice(&i.to_le_bytes());
        if i % 7 == 0 {
            bytes.push(b'\n');
        }
    }
    let dir = dir_with(&[("go.mod", GO_MOD.as_bytes()), ("x.go", &bytes)]);
    assert_one_input_error(
        dir.path(),
        &[],
        "x.go:1:1: expected 'package', found 'ILLEGAL'",
    );
}

#[test]
fn syntax_errors_stop_at_ten_one_per_line() {
    let src = format!("package p\n{}", "func (\n".repeat(50));
    let dir = dir_with(&[("go.mod", GO_MOD.as_bytes()), ("a.go", src.as_bytes())]);
    let out = letgo(&["check"], dir.path());
    assert_eq!(out.code, 2);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!((1..=10).contains(&lines.len()), "{}", out.stderr);
    let mut at: Vec<&str> = lines.iter().map(|l| l.split(':').nth(1).unwrap()).collect();
    at.dedup();
    assert_eq!(at.len(), lines.len(), "one error per line: {}", out.stderr);
}

#[test]
fn findings_beside_input_errors_are_counted_apart() {
    let leak = "package a\n\nimport \"context\"\n\nfunc b(p context.Context) context.Context {\n\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n";
    let dir = dir_with(&[
        ("go.mod", GO_MOD.as_bytes()),
        ("a.go", leak.as_bytes()),
        ("b.go", b"package a\nfunc (\n"),
    ]);
    let out = letgo(&["check"], dir.path());
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let last = out.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("Found 1 finding") && last.ends_with("; 1 input error."),
        "{}",
        out.stdout
    );
}

#[test]
fn a_full_stderr_is_exit_2_not_a_panic() {
    let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let dir = dir_with(&[("go.mod", GO_MOD.as_bytes())]);
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["check", "missing"])
        .current_dir(dir.path())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_full_or_closed_stdout_is_exit_2_not_a_panic() {
    let dir = dir_with(&[("go.mod", GO_MOD.as_bytes()), ("a.go", b"package a\n")]);
    if let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
            .args(["check", "--format", "json"])
            .current_dir(dir.path())
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("letgo: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    for format in ["text", "json", "sarif", "github"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_letgo"))
            .args(["check", "--format", format])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // GitHub output of no findings writes nothing: nothing can fail.
        let want = if format == "github" { 0 } else { 2 };
        assert_eq!(out.status.code(), Some(want), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
