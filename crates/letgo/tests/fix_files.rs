//! `letgo check --fix` and the files it writes: an edit saved during the
//! run is never lost, metadata (owner, mode, hard links), line endings
//! and a byte order mark are kept, read-only files are left alone, and
//! temporary files of a killed run are cleaned up.

mod common;

use common::letgo;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// `a` has a safe fix: `defer cancel()` after the call.
const LEAKY: &str = "package m

import \"context\"

func a(parent context.Context) error {
\tctx, cancel := context.WithCancel(parent)
\tif ctx.Err() != nil {
\t\treturn nil
\t}
\tcancel()
\treturn nil
}
";

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn fix(dir: &Path) -> common::Output {
    letgo(&["check", "--fix", "--select", "LG106"], dir)
}

#[test]
fn an_edit_saved_while_fix_runs_survives_and_exits_2() {
    let dir = module(&[("a.go", LEAKY)]);
    let hold = tempfile::tempdir().unwrap();
    // letgo stops before its last look at the file and waits for `go`;
    // the edit lands exactly between the analysis and the write.
    let child = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["check", "--fix", "--select", "LG106"])
        .current_dir(dir.path())
        .env("LETGO_TEST_HOLD_BEFORE_WRITE", hold.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ready = hold.path().join("ready");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "letgo never reached the write");
        std::thread::sleep(Duration::from_millis(5));
    }
    let edited = format!("{LEAKY}\n// saved by the user\n");
    fs::write(dir.path().join("a.go"), &edited).unwrap();
    fs::write(hold.path().join("go"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(fs::read_to_string(dir.path().join("a.go")).unwrap(), edited);
    assert!(
        stderr.contains("a.go: not written: the file changed after letgo read it"),
        "{stderr}"
    );
}

#[test]
fn a_read_only_file_is_reported_and_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = module(&[("a.go", LEAKY)]);
    let path = dir.path().join("a.go");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let out = fix(dir.path());
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("a.go: not written: the file is read-only (mode 0444)"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), LEAKY);
    assert!(out.stdout.contains("Fixed 0"), "{}", out.stdout);
}

#[test]
fn owner_mode_and_hard_links_are_kept() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = module(&[("a.go", LEAKY), ("b.go", "package m\n")]);
    let (a, b) = (dir.path().join("a.go"), dir.path().join("b.go"));
    fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
    let root = std::os::unix::fs::chown(&a, Some(1234), Some(1234)).is_ok();
    let other = dir.path().join("linked.go.txt");
    fs::hard_link(&a, &other).unwrap();
    let out = fix(dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let fixed = fs::read_to_string(&a).unwrap();
    assert!(fixed.contains("defer cancel()"), "{fixed}");
    assert_eq!(fs::read_to_string(&other).unwrap(), fixed);
    let meta = fs::metadata(&a).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 1234));
    }
    // Without hard links, the file is replaced: owner and mode still kept.
    fs::remove_file(&other).unwrap();
    fs::write(&b, LEAKY.replace("func a(", "func b(")).unwrap();
    fs::set_permissions(&b, fs::Permissions::from_mode(0o604)).unwrap();
    if root {
        std::os::unix::fs::chown(&b, Some(1234), Some(4321)).unwrap();
    }
    let out = fix(dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let meta = fs::metadata(&b).unwrap();
    assert!(fs::read_to_string(&b).unwrap().contains("defer cancel()"));
    assert_eq!(meta.mode() & 0o7777, 0o604);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 4321));
    }
}

#[test]
fn crlf_and_a_bom_are_kept() {
    let text = format!("\u{feff}{}", LEAKY.replace('\n', "\r\n"));
    let dir = module(&[("a.go", &text)]);
    let out = fix(dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let fixed = fs::read(dir.path().join("a.go")).unwrap();
    let fixed = String::from_utf8(fixed).unwrap();
    assert!(fixed.starts_with('\u{feff}'), "{fixed:?}");
    assert!(
        fixed.contains("context.WithCancel(parent)\r\n\tdefer cancel()\r\n"),
        "{fixed:?}"
    );
    let bare_lf = fixed
        .match_indices('\n')
        .filter(|(i, _)| fixed.as_bytes()[i - 1] != b'\r')
        .count();
    assert_eq!(bare_lf, 0, "{fixed:?}");
}

#[test]
fn temporaries_of_a_killed_run_are_removed_and_nothing_else() {
    let dir = module(&[("a.go", LEAKY)]);
    let stale = dir.path().join(".letgo-fix-Q1w2E3.tmp");
    let kept = dir.path().join(".letgo-fix-mine.txt");
    fs::write(&stale, "half a file").unwrap();
    fs::write(&kept, "notes").unwrap();
    let out = fix(dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!stale.exists());
    assert!(kept.exists());
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}
