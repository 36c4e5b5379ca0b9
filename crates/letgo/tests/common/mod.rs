//! Shared by the command tests: run the built `letgo`, find the rule
//! fixtures, find the Go toolchain, copy trees.
#![allow(dead_code, unused_imports)]

pub use letgo_testkit::{go_binary, go_output as run_go_tool, gofmt, workspace_root};

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of `letgo` left: exit code, stdout, stderr.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `letgo args` in `cwd`, colours off, with the test toolchain's
/// GOROOT (so the semantic model reads the standard library the fixtures
/// were written against, whatever `go` is on the PATH, if any).
pub fn letgo(args: &[&str], cwd: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_letgo"));
    cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
    if let Some(root) = test_goroot() {
        cmd.env("GOROOT", root);
    }
    let out = cmd.output().expect("letgo runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// GOROOT of the test toolchain (`$LETGO_GO` or `.tools/go`), asked once;
/// None when that toolchain is not installed (tests needing Go skip or
/// fail through [`go_binary`] themselves).
pub fn test_goroot() -> Option<PathBuf> {
    static ROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let go = std::env::var_os("LETGO_GO")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join(".tools/go/bin/go"));
        go.exists().then(|| letgo_testkit::goroot(&go))
    })
    .clone()
}

/// Where the rule fixtures live: `crates/letgo_lint/tests`.
pub fn lint_tests_dir() -> PathBuf {
    workspace_root().join("crates/letgo_lint/tests")
}

/// The fixture modules: every `fixtures*` directory with a `go.mod`
/// (one per Go version the rules care about), and `fixtures_gopath`, code
/// with no go.mod at all.
pub fn fixture_modules() -> Vec<PathBuf> {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(lint_tests_dir())
        .expect("the lint tests directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fixtures"))
                && (p.join("go.mod").is_file() || p.ends_with("fixtures_gopath"))
        })
        .collect();
    modules.sort();
    modules
}

/// The fixture packages of rule `code` (`lg106` in every module that has
/// one), as `(module, package)` directories.
pub fn fixture_packages(code: &str) -> Vec<(PathBuf, PathBuf)> {
    fixture_modules()
        .into_iter()
        .map(|m| {
            let pkg = m.join(code.to_lowercase());
            (m, pkg)
        })
        .filter(|(_, pkg)| pkg.is_dir())
        .collect()
}

/// Copies the tree `from` into `to` (created), files and directories only.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the tree") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}
