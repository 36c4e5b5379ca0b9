//! Differential test: our parser against Go's own `go/parser`, over every
//! `.go` file of `$(go env GOROOT)/src`.
//!
//! `tools/goastdump` prints a canonical dump of `go/ast` for each file; we
//! print the same form from our tree and require identical text. Files Go
//! rejects must give us at least one syntax error. Long (about half a
//! minute): `#[ignore]`d by default and run by `scripts/test`.
//!
//! `LETGO_DIFF_DIR=/some/tree` runs the same comparison over another tree
//! of Go code (any checkout), which is how third-party code was checked.

use letgo_go::dump::dump_file;
use letgo_go::parse_file;
use letgo_testkit::{deep_nesting_shapes, GO_MAX_NEST};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

#[test]
#[ignore = "long: runs Go's parser over the whole standard library"]
fn agrees_with_go_parser_on_the_standard_library() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let files = match std::env::var_os("LETGO_DIFF_DIR") {
        Some(dir) => common::go_files(Path::new(&dir)),
        None => {
            let files = common::go_files(&common::goroot(&go).join("src"));
            assert!(
                files.len() > 5000,
                "only {} files under GOROOT",
                files.len()
            );
            files
        }
    };
    let expected = go_dumps(&go, &files);

    let mismatches = std::sync::Mutex::new(Vec::new());
    let (mut agreed, mut rejected) = (0usize, 0usize);
    let results: Vec<Outcome> = common::par_map(&files, |path| {
        let want = expected.get(path).map(String::as_str).unwrap_or("");
        check_one(path, want)
    });
    for (path, outcome) in files.iter().zip(results) {
        match outcome {
            Outcome::Agreed => agreed += 1,
            Outcome::BothRejected => rejected += 1,
            Outcome::Differs(msg) => mismatches.lock().unwrap().push((path.clone(), msg)),
        }
    }
    let mismatches = mismatches.into_inner().unwrap();
    println!(
        "{} files: {agreed} identical trees, {rejected} rejected by both, {} differ",
        files.len(),
        mismatches.len()
    );
    for (path, msg) in mismatches.iter().take(15) {
        println!("--- {}\n{msg}", path.display());
    }
    assert!(mismatches.is_empty(), "{} files differ", mismatches.len());
}

/// Deeply nested shapes, generated here, dumped by `go/ast` and compared
/// node for node: 10,000 levels (ten times letgo's former limit; a dump
/// is quadratic on a spine like `a + a + ...`, in Go as in ours, so the
/// 100,000-level trees are checked apart, in `deep_nesting.rs`), and one
/// level more than Go allows, where the errors must agree to the column.
#[test]
fn agrees_with_go_parser_on_the_deepest_nesting() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (levels, tag) in [(10_000, "ok"), (GO_MAX_NEST + 12, "over")] {
        for (name, src) in deep_nesting_shapes(levels) {
            let path = dir.path().join(format!("{name}_{tag}.go"));
            std::fs::write(&path, src).unwrap();
            files.push(path);
        }
    }
    let expected = go_dumps(&go, &files);
    let results = common::par_map(&files, |path| {
        let want = expected.get(path).map(String::as_str).unwrap_or("");
        (path.clone(), check_one(path, want), first_error(path))
    });
    for (path, outcome, ours) in results {
        let want = &expected[&path];
        match (outcome, want.strip_prefix("ERROR ")) {
            (Outcome::Agreed, None) => {}
            (Outcome::BothRejected, Some(theirs)) => {
                // Go prints `path:line:col: msg`; ours has no path.
                let theirs = theirs.lines().next().unwrap();
                let theirs = theirs.strip_prefix(&format!("{}:", path.display()));
                assert_eq!(theirs, Some(ours.as_str()), "{}", path.display());
            }
            (Outcome::Differs(msg), _) => panic!("{}: {msg}", path.display()),
            _ => panic!("{}: outcome does not match go/parser", path.display()),
        }
    }
}

/// Our first syntax error in `path`, as `line:col: message`.
fn first_error(path: &Path) -> String {
    let src = std::fs::read_to_string(path).unwrap();
    let parsed = parse_file(&src);
    let Some(e) = parsed.errors.first() else {
        return String::new();
    };
    let index = letgo_go::LineIndex::new(&src);
    let (line, col) = index.line_col(e.offset);
    format!("{line}:{col}: {}", e.msg)
}

enum Outcome {
    Agreed,
    BothRejected,
    Differs(String),
}

fn check_one(path: &Path, want: &str) -> Outcome {
    let Ok(src) = std::fs::read(path) else {
        return Outcome::Differs("unreadable".into());
    };
    // Go reads bytes; a file that is not UTF-8 is one Go rejects too.
    let src = String::from_utf8_lossy(&src);
    let parsed = parse_file(&src);
    if let Some(go_err) = want.strip_prefix("ERROR ") {
        if parsed.errors.is_empty() {
            return Outcome::Differs(format!("go rejects it ({go_err}) but we do not"));
        }
        return Outcome::BothRejected;
    }
    if let Some(e) = parsed.errors.first() {
        return Outcome::Differs(format!("we reject it at {}: {}", e.offset, e.msg));
    }
    let got = dump_file(&parsed.file, &src);
    if got == want {
        return Outcome::Agreed;
    }
    Outcome::Differs(first_difference(want, &got))
}

fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = i.saturating_sub(3);
    let show = |v: &[&str]| v[from.min(v.len())..(i + 3).min(v.len())].join("\n");
    format!("line {}:\n go:\n{}\n us:\n{}", i + 1, show(&w), show(&g))
}

/// Runs goastdump once over all files; returns each file's block.
fn go_dumps(go: &Path, files: &[PathBuf]) -> HashMap<PathBuf, String> {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let bin = common::build_goastdump(go, &tmp);
    let list = tmp.join("goastdump-files.txt");
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    std::fs::write(&list, names.join("\n")).unwrap();
    let out = Command::new(&bin).arg("-list").arg(&list).output().unwrap();
    assert!(
        out.status.success(),
        "goastdump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("goastdump output is ASCII");
    let mut map = HashMap::new();
    for block in text.split("=== ").skip(1) {
        let (path, body) = block.split_once('\n').unwrap_or((block, ""));
        map.insert(PathBuf::from(path), body.to_string());
    }
    map
}
