//! The runtime proof of the lock rules: `fixtures_runtime/lockhang` holds
//! one bug per rule (LG110, LG111, LG114) and its fixed twin. letgo flags
//! each bug and no twin; built and run by the real Go toolchain, each bug
//! hangs (its goroutines sit in `sync.Mutex.Lock` or on the channel) and
//! each twin finishes.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

fn lockhang_dir() -> std::path::PathBuf {
    common::workspace_root().join("crates/letgo_lint/tests/fixtures_runtime/lockhang")
}

#[test]
fn letgo_flags_each_bug_and_no_fixed_twin() {
    let (_program, findings) = common::run(&lockhang_dir(), &["LG110", "LG111", "LG114"]);
    let functions: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| {
            let name = f.diagnostic.function.clone().unwrap_or_default();
            (f.diagnostic.code.to_string(), name)
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("LG110", "main.(*store).put"),
        // The callee whose `Lock` blocks: the frame a dump shows.
        ("LG111", "main.(*store).count"),
        ("LG114", "main.(*store).publish"),
        ("LG114", "main.(*store).consume"),
    ]
    .iter()
    .map(|(c, f)| (c.to_string(), f.to_string()))
    .collect();
    assert_eq!(functions, want);
}

#[test]
fn each_bug_hangs_and_each_twin_finishes() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("lockhang");
    let (ok, out) = common::go(
        &go,
        &lockhang_dir(),
        &["build", "-o", bin.to_str().unwrap(), "."],
    );
    assert!(ok, "build failed:\n{out}");
    let (program, findings) = common::run(&lockhang_dir(), &["LG110", "LG111", "LG114"]);
    for (case, blocked_in) in [
        ("lg110", "sync.Mutex.Lock"),
        ("lg111", "sync.Mutex.Lock"),
        ("lg114", "chan "),
    ] {
        let hung = Command::new(&bin).args(["-case", case]).output().unwrap();
        let dump = String::from_utf8_lossy(&hung.stdout);
        assert_eq!(hung.status.code(), Some(3), "{case} should hang:\n{dump}");
        assert!(
            dump.contains(&format!("[{blocked_in}")),
            "{case}: no goroutine blocked in {blocked_in}:\n{dump}"
        );
        // A finding of the bug's rule is at a frame of the dump: the
        // same function (as Go spells it) and the same line.
        let frames = main_frames(&dump);
        let at_a_frame = findings
            .iter()
            .filter(|f| f.diagnostic.code.eq_ignore_ascii_case(case))
            .any(|f| {
                let (line, _) = f.source_file(&program).line_col(f.diagnostic.span.start);
                let function = f.diagnostic.function.clone().unwrap_or_default();
                frames.contains(&(function, line))
            });
        assert!(at_a_frame, "{case}: no finding at a frame of\n{dump}");
        let fixed = Command::new(&bin)
            .args(["-case", case, "-fixed"])
            .output()
            .unwrap();
        assert!(fixed.status.success(), "{case} fixed twin should finish");
    }
}

/// The `(function, line)` of every frame in `main.go` of a `debug=2`
/// dump: a function line (`main.(*store).count(0xc000010000)`) followed
/// by its place (`\t/path/main.go:61 +0x3c`).
fn main_frames(dump: &str) -> BTreeSet<(String, u32)> {
    let lines: Vec<&str> = dump.lines().collect();
    let mut out = BTreeSet::new();
    for pair in lines.windows(2) {
        let Some(open) = pair[0].rfind('(') else {
            continue;
        };
        let place = pair[1].trim_start().split(' ').next().unwrap_or("");
        let Some((file, line)) = place.rsplit_once(':') else {
            continue;
        };
        if file.ends_with("/main.go") && !pair[0].starts_with("created by") {
            if let Ok(line) = line.parse() {
                out.insert((pair[0][..open].to_string(), line));
            }
        }
    }
    out
}
