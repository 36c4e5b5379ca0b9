//! `letgo check` as a user runs it: `--fix`, `--unsafe-fixes`, `--diff`,
//! output formats, input errors and exit codes.

mod common;

use common::letgo;
use std::fs;
use std::path::Path;

/// `a` has a safe fix (`defer cancel()`), `b` an unsafe one (its context
/// is handed to a function that may keep it).
const LEAKY: &str = "package m

import \"context\"

func a(parent context.Context) error {
\tctx, cancel := context.WithCancel(parent)
\t_ = use(ctx)
\treturn nil
}

func b(parent context.Context, keep func(context.Context)) {
\tctx, _ := context.WithCancel(parent)
\tkeep(ctx)
}

func use(ctx context.Context) error { return ctx.Err() }
";

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn fix_applies_safe_fixes_and_reports_what_remains() {
    let dir = module(&[("a.go", LEAKY)]);
    let out = letgo(&["check", "--fix"], dir.path());
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let fixed = read(dir.path(), "a.go");
    assert!(
        fixed.contains("\tdefer cancel()\n\t_ = use(ctx)"),
        "{fixed}"
    );
    assert!(fixed.contains("ctx, _ := context.WithCancel"), "{fixed}");
    assert!(out.stdout.contains("a.go:13:7"), "{}", out.stdout);
    assert!(
        out.stdout.ends_with("Fixed 1 finding (1 remaining).\n"),
        "{}",
        out.stdout
    );
    let again = letgo(&["check", "--fix"], dir.path());
    assert!(again.stdout.ends_with("Fixed 0 findings (1 remaining).\n"));
    assert_eq!(read(dir.path(), "a.go"), fixed);
}

#[test]
fn unsafe_fixes_apply_with_fix_and_alone_write_nothing() {
    let dir = module(&[("a.go", LEAKY)]);
    let alone = letgo(&["check", "--unsafe-fixes"], dir.path());
    assert_eq!(alone.code, 1);
    assert_eq!(read(dir.path(), "a.go"), LEAKY);
    assert!(
        alone
            .stdout
            .ends_with("Found 2 findings (2 fixable with --fix --unsafe-fixes).\n"),
        "{}",
        alone.stdout
    );
    let out = letgo(&["check", "--fix", "--unsafe-fixes"], dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "Fixed 2 findings (0 remaining).\n");
    assert!(read(dir.path(), "a.go")
        .contains("ctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n\tkeep(ctx)"));
}

#[test]
fn diff_prints_what_fix_would_change_and_writes_nothing() {
    let dir = module(&[("a.go", LEAKY)]);
    let out = letgo(&["check", "--diff"], dir.path());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(read(dir.path(), "a.go"), LEAKY);
    let expected = "\
--- a.go
+++ a.go
@@ -4,6 +4,7 @@
 
 func a(parent context.Context) error {
 \tctx, cancel := context.WithCancel(parent)
+\tdefer cancel()
 \t_ = use(ctx)
 \treturn nil
 }
";
    assert_eq!(out.stdout, expected);
    assert!(out.stderr.contains("Would fix 1 finding (1 remaining)."));
    let clean = module(&[("a.go", "package m\n")]);
    let out = letgo(&["check", "--diff"], clean.path());
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
}

#[test]
fn syntax_errors_are_reported_and_do_not_stop_the_rest() {
    let dir = module(&[("a.go", LEAKY), ("bad.go", "package m\n\nfunc f( {\n")]);
    let out = letgo(&["check", "--fix"], dir.path());
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.starts_with("bad.go:3:"), "{}", out.stderr);
    assert!(read(dir.path(), "a.go").contains("defer cancel()"));
    assert_eq!(read(dir.path(), "bad.go"), "package m\n\nfunc f( {\n");
    assert!(out.stdout.contains("LG106"), "{}", out.stdout);
}

#[test]
fn machine_formats_keep_stdout_one_document() {
    let dir = module(&[("a.go", LEAKY)]);
    let out = letgo(&["check", "--fix", "--format", "json"], dir.path());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert!(out.stderr.contains("Fixed 1 finding (1 remaining)."));
    let out = letgo(&["check", "--format", "sarif"], dir.path());
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a.go"
    );
}

#[test]
fn a_clean_module_is_all_clear() {
    let dir = module(&[("a.go", "package m\n")]);
    let out = letgo(&["check"], dir.path());
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "All clear: no findings.\n")
    );
}

/// LG303 is a warning when the truncated elements hold pointers and info
/// when they do not; every output says so.
#[test]
fn severities_reach_every_format() {
    let src = "package m

var names []string
var sizes []int

func reset() {
\tnames = names[:0]
\tsizes = sizes[:0]
}
";
    let dir = module(&[("a.go", src)]);
    let out = letgo(&["check", "--format", "json"], dir.path());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let severities: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["warning", "info"]);
    let out = letgo(&["check", "--format", "sarif"], dir.path());
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let levels: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "note"]);
    let out = letgo(&["check"], dir.path());
    assert!(
        out.stdout.contains("LG303 warning: `names = names[:0]`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("LG303 info: `sizes = sizes[:0]`"),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 1);
}

/// Without Go's standard library (no GOROOT, no `go` on PATH) the rules
/// that need its types report less: letgo says so rather than look clean.
#[test]
fn a_missing_standard_library_is_said() {
    let dir = module(&[("a.go", LEAKY)]);
    let fallbacks = ["/usr/local/go", "/usr/lib/go", "/opt/go"];
    if fallbacks.iter().any(|g| Path::new(g).join("src").is_dir()) {
        return; // this machine has one where letgo looks last
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["check", "."])
        .current_dir(dir.path())
        .env_remove("GOROOT")
        .env("PATH", "/nonexistent")
        .env("NO_COLOR", "1")
        .output()
        .expect("letgo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("standard library was not found") && stderr.contains("set GOROOT"),
        "{stderr}"
    );
    // With it, no such warning.
    let out = letgo(&["check", "."], dir.path());
    assert!(!out.stderr.contains("standard library"), "{}", out.stderr);
}
