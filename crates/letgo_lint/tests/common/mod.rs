//! Shared by the fixture tests: load a fixture package, run rules, read
//! `// want "LG103"` expectations, find the Go toolchain.
#![allow(dead_code, unused_imports)]

pub use letgo_testkit::{go_binary, go_output as go, gofmt, workspace_root};

use letgo_go::load::{load, LoadOptions, Program};
use letgo_lint::engine::{check, Finding};
use letgo_lint::selection::Selection;
use letgo_lint::Severity;
use std::path::{Path, PathBuf};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture module: the main one (`go 1.27`) and the small ones with
/// older `go` lines, for rules that follow the module's Go version: a
/// go.mod without a `go` line, and GOPATH-mode code with no go.mod at all
/// (`fixtures_gopath`).
pub fn fixture_modules() -> Vec<PathBuf> {
    [
        "fixtures",
        "fixtures_go122",
        "fixtures_nogoline",
        "fixtures_gopath",
    ]
    .iter()
    .map(|m| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(m))
    .collect()
}

/// Loads `dir` and runs the rules matching `codes`.
pub fn run(dir: &Path, codes: &[&str]) -> (Program, Vec<Finding>) {
    use_test_goroot();
    let program = load(&[dir], &LoadOptions::default()).expect("fixture loads");
    for f in program.files() {
        assert!(f.errors.is_empty(), "{}: {:?}", f.path.display(), f.errors);
    }
    let selection = Selection {
        select: codes.iter().map(|c| c.to_string()).collect(),
        ignore: Vec::new(),
    };
    let findings = check(&program, &|_| selection.clone());
    (program, findings)
}

/// The semantic model reads the standard library from the toolchain the
/// tests use.
pub fn use_test_goroot() {
    if let Some(go) = letgo_testkit::go_binary() {
        letgo_types::modules::use_goroot(letgo_testkit::goroot(&go));
    }
}

/// `(file name, line, code)` of every finding.
pub fn found(program: &Program, findings: &[Finding]) -> Vec<(String, u32, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            let sf = f.source_file(program);
            let (line, _) = sf.line_col(f.diagnostic.span.start);
            // `CODE`, or `CODE:warning` / `CODE:info` below an error.
            let code = match f.diagnostic.severity {
                Severity::Error => f.diagnostic.code.to_string(),
                other => format!("{}:{}", f.diagnostic.code, other.as_str()),
            };
            (file_name(&sf.path), line, code)
        })
        .collect();
    v.sort();
    v
}

/// `(file name, line, code)` of every `// want "CODE"` comment (`"CODE:info"`
/// or `"CODE:warning"` for a finding below an error).
pub fn wanted(program: &Program) -> Vec<(String, u32, String)> {
    let mut v = Vec::new();
    for f in program.files() {
        for c in &f.ast.comments {
            let text = c.text(&f.src);
            let Some(rest) = text.strip_prefix("// want ") else {
                continue;
            };
            let (line, _) = f.line_col(c.span.start);
            for code in rest.split('"').skip(1).step_by(2) {
                v.push((file_name(&f.path), line, code.to_string()));
            }
        }
    }
    v.sort();
    v
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}
