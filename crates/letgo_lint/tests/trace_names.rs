//! letgo names functions as Go's stack traces do, so that a static
//! finding's `function` is the frame a goroutine dump shows: the real Go
//! program `fixtures_runtime/tracenames` prints, for each function and
//! closure it runs (methods, closures in closures, goroutines, deferred
//! literals, package-level initializers, generic functions and methods),
//! `runtime.FuncForPC`'s name and the line; the function letgo finds
//! around that line must have that name.

mod common;

use letgo_go::load::{load, LoadOptions};
use letgo_lint::context::PackageContext;

#[test]
fn function_names_are_the_frames_go_prints() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let dir = common::workspace_root().join("crates/letgo_lint/tests/fixtures_runtime/tracenames");
    let (ok, out) = common::go(&go, &dir, &["run", "."]);
    assert!(ok, "go run failed:\n{out}");
    let frames: Vec<(&str, u32)> = out
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, line)| (name, line.parse().unwrap()))
        .collect();
    assert!(frames.len() >= 12, "{out}");

    let program = load(&[dir.as_path()], &LoadOptions::default()).unwrap();
    let pkg = &program.packages[0];
    let cx = PackageContext::new(&program, pkg, false, None);
    let sf = &pkg.files[0];
    for (name, line) in frames {
        // The innermost function whose body holds the line.
        let ours = cx
            .functions()
            .iter()
            .filter(|f| {
                let (from, _) = sf.line_col(f.body.lbrace);
                let (to, _) = sf.line_col(f.body.rbrace.unwrap());
                from <= line && line <= to
            })
            .min_by_key(|f| f.body.rbrace.unwrap() - f.body.lbrace)
            .unwrap_or_else(|| panic!("no function around line {line}"));
        // A command's package is `main` in traces, as letgo names it.
        assert_eq!(ours.name, name, "line {line}");
    }
}
