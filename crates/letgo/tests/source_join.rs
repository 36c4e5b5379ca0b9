//! `letgo profile --source` joins a runtime leak to its static finding by
//! exact line: the real Go program `lockhang` (crates/letgo_lint's runtime
//! fixture) hangs on a lock bug, Go's goroutineleak profile proves which
//! goroutines leaked and where each is blocked, and each leak is matched
//! to the static finding at that very line, or to its function's when no
//! finding is at the line (and the report says which).

use letgo_testkit::{go_binary, go_command, go_output, goroot, workspace_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn lockhang_dir() -> PathBuf {
    workspace_root().join("crates/letgo_lint/tests/fixtures_runtime/lockhang")
}

/// Runs the built `lockhang` on `case` and returns its debug=2 dump and
/// goroutineleak profile, in `dir`.
fn hang(bin: &Path, case: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let leak = dir.join(format!("{case}.pb.gz"));
    let out = go_command(bin)
        .args(["-case", case, "-leak", leak.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{case} should hang");
    let dump = dir.join(format!("{case}.txt"));
    std::fs::write(&dump, &out.stdout).unwrap();
    assert!(leak.is_file(), "Go 1.27 writes the goroutineleak profile");
    (dump, leak)
}

/// `letgo profile DUMP LEAK --source lockhang --format json`, its findings.
fn profile(go: &Path, dump: &Path, leak: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["profile", dump.to_str().unwrap(), leak.to_str().unwrap()])
        .args(["--source", ".", "--format", "json"])
        .arg("--all")
        .env("GOROOT", goroot(go))
        .current_dir(lockhang_dir())
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    doc["findings"].as_array().unwrap().clone()
}

fn by_function<'f>(findings: &'f [Value], function: &str) -> Option<&'f Value> {
    findings.iter().find(|f| f["function"] == function)
}

fn lines_of(statics: &Value) -> Vec<u64> {
    statics
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn leaks_join_the_static_finding_at_their_line() {
    let Some(go) = go_binary() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("lockhang");
    let (ok, out) = go_output(
        &go,
        &lockhang_dir(),
        &["build", "-o", bin.to_str().unwrap(), "."],
    );
    assert!(ok, "build failed:\n{out}");

    // LG111 through a call: the goroutine is blocked in the callee's
    // Lock, the line the finding points at.
    let (dump, leak) = hang(&bin, "lg111", tmp.path());
    let findings = profile(&go, &dump, &leak);
    let count = by_function(&findings, "main.(*store).count").expect("count leaked");
    let ev = &count["evidence"];
    assert_eq!(ev["static_join"], "line", "{count}");
    assert_eq!(ev["static_findings"][0]["code"], "LG111");
    assert_eq!(
        lines_of(&ev["static_findings"]),
        [count["line"].as_u64().unwrap()]
    );

    // LG114: of the publisher and the consumer, whichever took the lock
    // blocks on the channel (a finding's line: joined by line); the other
    // blocks in Lock, a line no finding names: joined by function, and
    // the report says so.
    let (dump, leak) = hang(&bin, "lg114", tmp.path());
    let findings = profile(&go, &dump, &leak);
    let mut joins = Vec::new();
    for function in ["main.(*store).publish", "main.(*store).consume"] {
        let f = by_function(&findings, function).expect("both sides leaked");
        let ev = &f["evidence"];
        let line = f["line"].as_u64().unwrap();
        let lines = lines_of(&ev["static_findings"]);
        assert!(ev["static_findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["code"] == "LG114"));
        match ev["static_join"].as_str().unwrap() {
            "line" => assert_eq!(lines, [line], "{f}"),
            "function" => assert!(!lines.contains(&line), "{f}"),
            other => panic!("{other}"),
        }
        joins.push(ev["static_join"].as_str().unwrap().to_string());
    }
    joins.sort();
    assert_eq!(joins, ["function", "line"]);

    // The text report names how each was joined.
    let text = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["profile", dump.to_str().unwrap(), leak.to_str().unwrap()])
        .args(["--source", "."])
        .env("GOROOT", goroot(&go))
        .current_dir(lockhang_dir())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("; same line)"), "{text}");
    assert!(text.contains("same function; none at line"), "{text}");
}
