//! Test support shared by letgo's crates (a dev-dependency only): where
//! the workspace is, and the Go toolchain that `scripts/test` installs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// The Go toolchain: `$LETGO_GO`, or the one `scripts/test` installs in
/// `.tools/go`. When it is missing the calling test is skipped with a
/// message, unless `LETGO_REQUIRE_GO` is set (as `scripts/test` sets it),
/// in which case the test fails.
pub fn go_binary() -> Option<PathBuf> {
    go_binary_from("LETGO_GO", ".tools/go/bin/go")
}

/// A Go toolchain: `$var`, or `default` under the workspace root; skipped
/// or failed as [`go_binary`] says when it is missing.
pub fn go_binary_from(var: &str, default: &str) -> Option<PathBuf> {
    let go = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(default));
    if go.exists() {
        return Some(go);
    }
    assert!(
        std::env::var_os("LETGO_REQUIRE_GO").is_none(),
        "Go toolchain not found at {}; run scripts/test",
        go.display()
    );
    eprintln!(
        "skipped: no Go toolchain at {} (run scripts/test)",
        go.display()
    );
    None
}

/// Builds the Go program in `dir` (`go build -o out .`) and returns `out`;
/// a failed build fails the calling test.
pub fn go_build(go: &Path, dir: &Path, out: &Path) -> PathBuf {
    let status = go_command(go)
        .args(["build", "-o"])
        .arg(out)
        .arg(".")
        .current_dir(dir)
        .status()
        .expect("run go build");
    assert!(status.success(), "building {} failed", dir.display());
    out.to_path_buf()
}

/// A command for a Go tool (`go`, `gofmt`, a built program) with the
/// environment the repo's Go programs need: this toolchain, no module
/// proxy (there is no network), modules as they are.
pub fn go_command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off");
    cmd
}

/// Runs `program args` in `dir`; returns (success, stdout + stderr).
pub fn go_output(program: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let mut cmd = go_command(program);
    // As the code's era asks: GOPATH mode without a go.mod; read-only for
    // a go.mod without a `go` line (`-mod=mod` would write one into it).
    let gomod = dir
        .ancestors()
        .find_map(|d| std::fs::read_to_string(d.join("go.mod")).ok());
    match gomod {
        None => {
            cmd.env("GO111MODULE", "off").env_remove("GOFLAGS");
        }
        Some(m) if !m.lines().any(|l| l.trim_start().starts_with("go ")) => {
            cmd.env("GOFLAGS", "-mod=readonly");
        }
        Some(_) => {}
    }
    let out = cmd
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the Go tool runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// `$(go env GOROOT)` of the toolchain `go`.
pub fn goroot(go: &Path) -> PathBuf {
    let (ok, root) = go_output(go, Path::new("."), &["env", "GOROOT"]);
    assert!(ok, "go env GOROOT: {root}");
    PathBuf::from(root.trim())
}

/// The `gofmt` of the toolchain `go` belongs to.
pub fn gofmt(go: &Path) -> PathBuf {
    goroot(go).join("bin/gofmt")
}

/// A shape's name, the nesting levels one repetition costs, and the Go
/// declaration of `n` repetitions.
type Shape<'a> = (&'static str, usize, &'a dyn Fn(usize) -> String);

/// `go/parser`'s nesting limit, which letgo's parser shares.
pub const GO_MAX_NEST: usize = 100_000;

/// Go files nested as deep as `levels` levels of `go/parser`'s nesting
/// count, one per shape the count covers: parentheses, blocks, `+`
/// chains, unary operators, pointer and slice types, index, call and
/// selector chains, composite literals (3 levels each), `if`s and function
/// literals (2 levels each). Just below [`GO_MAX_NEST`] Go accepts them
/// all; just above, it rejects them all with "exceeded max nesting depth".
pub fn deep_nesting_shapes(levels: usize) -> Vec<(&'static str, String)> {
    fn rep(s: &str, n: usize) -> String {
        s.repeat(n)
    }
    let shapes: [Shape<'_>; 12] = [
        ("parens", 1, &|n| {
            format!("var x = {}1{}", rep("(", n), rep(")", n))
        }),
        ("blocks", 1, &|n| {
            format!("func f() {}{}", rep("{", n), rep("}", n))
        }),
        ("chain", 1, &|n| {
            format!("const s = \"ab\"{}", rep(" + \"ab\"", n))
        }),
        ("unary", 1, &|n| format!("var x = {}true", rep("!", n))),
        ("pointers", 1, &|n| format!("var x {}int", rep("*", n))),
        ("slices", 1, &|n| format!("var x {}int", rep("[]", n))),
        ("index", 1, &|n| format!("var x = a{}", rep("[0]", n))),
        ("calls", 1, &|n| format!("var x = f{}", rep("()", n))),
        ("selectors", 1, &|n| format!("var x = a{}", rep(".b", n))),
        ("literals", 3, &|n| {
            format!("var x = {}{}", rep("[]any{", n), rep("}", n))
        }),
        ("ifs", 2, &|n| {
            format!("func f() {{\n{}{}}}", rep("if x {\n", n), rep("}\n", n))
        }),
        ("funclits", 2, &|n| {
            format!("func f() {{\n{}{}}}", rep("func() {\n", n), rep("}()\n", n))
        }),
    ];
    shapes
        .iter()
        .map(|(name, cost, make)| (*name, format!("package p\n\n{}\n", make(levels / cost))))
        .collect()
}
