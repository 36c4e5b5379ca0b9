//! Checks letgo's source model against the go command itself, on GOROOT:
//! for every package of the standard library, on several platforms, our
//! file-name and header decision must agree with `go list` for every file;
//! and walking GOROOT/src must find every package `go list` knows, in the
//! right module.
//!
//! The go binary is `$LETGO_GO`, or the repository's `.tools/go/bin/go`
//! (installed by the test script); without one these tests print why and
//! pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use letgo_go::build_constraint::{header_constraint, BuildContext, FileConstraint};
use letgo_go::walk::walk;

fn go_binary() -> Option<PathBuf> {
    let candidate = match std::env::var_os("LETGO_GO") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/go/bin/go"),
    };
    if candidate.exists() {
        Some(candidate)
    } else {
        eprintln!(
            "skipping: no go binary at {} (set LETGO_GO)",
            candidate.display()
        );
        None
    }
}

/// Runs `go` in a temporary directory (outside any module) with a clean
/// build environment for `goos`/`goarch`, cgo on.
fn go(go: &Path, goos: &str, goarch: &str, args: &[&str]) -> String {
    let out = Command::new(go)
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("GOOS", goos)
        .env("GOARCH", goarch)
        .env("CGO_ENABLED", "1")
        .env("GOFLAGS", "")
        .env("GO111MODULE", "")
        .env_remove("GOEXPERIMENT")
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "go {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("go output is UTF-8")
}

fn goroot(go_bin: &Path) -> PathBuf {
    PathBuf::from(go(go_bin, "linux", "amd64", &["env", "GOROOT"]).trim())
}

/// The context the go command uses for `goos`/`goarch`: its tool tags
/// (GOEXPERIMENT, instruction-set levels) and release tags.
fn go_context(go_bin: &Path, goos: &str, goarch: &str) -> BuildContext {
    let template =
        "{{join context.ToolTags \" \"}}|{{len context.ReleaseTags}}|{{context.CgoEnabled}}";
    let out = go(go_bin, goos, goarch, &["list", "-f", template, "runtime"]);
    let mut fields = out.trim().split('|');
    let mut ctx = BuildContext::new(goos, goarch);
    ctx.tags = fields
        .next()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    ctx.release = fields.next().unwrap().parse().unwrap();
    ctx.cgo = fields.next().unwrap() == "true";
    ctx
}

/// What `go list` decided for the files of one package directory.
#[derive(Default)]
struct Listed {
    included: BTreeSet<String>,
    ignored: BTreeSet<String>,
}

fn list_std(go_bin: &Path, goos: &str, goarch: &str) -> BTreeMap<PathBuf, Listed> {
    let template = "{{.Dir}}\t{{join .GoFiles \" \"}} {{join .CgoFiles \" \"}} \
                    {{join .TestGoFiles \" \"}} {{join .XTestGoFiles \" \"}}\t{{join .IgnoredGoFiles \" \"}}";
    let out = go(go_bin, goos, goarch, &["list", "-e", "-f", template, "std"]);
    let mut packages = BTreeMap::new();
    for line in out.lines() {
        let mut fields = line.split('\t');
        let dir = PathBuf::from(fields.next().unwrap());
        let words = |f: Option<&str>| -> BTreeSet<String> {
            f.unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect()
        };
        let listed = Listed {
            included: words(fields.next()),
            ignored: words(fields.next()),
        };
        packages.insert(dir, listed);
    }
    packages
}

/// The .go files the go command looks at in `dir` (not `_x.go`, `.x.go`).
fn go_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".go") && !n.starts_with('_') && !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Compares our decision with go list's for every file of every listed
/// package; returns the disagreements and the number of files compared.
fn compare(packages: &BTreeMap<PathBuf, Listed>, ctx: &BuildContext) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut compared = 0;
    for (dir, listed) in packages {
        for name in go_files(dir) {
            let path = dir.join(&name);
            let ours = match FileConstraint::read(&path) {
                Ok(constraint) => constraint.matches(ctx),
                Err(e) => {
                    problems.push(format!("{e}"));
                    continue;
                }
            };
            let theirs = if listed.included.contains(&name) {
                true
            } else if listed.ignored.contains(&name) {
                false
            } else {
                problems.push(format!("{}: not listed by go list", path.display()));
                continue;
            };
            compared += 1;
            if ours != theirs {
                problems.push(format!(
                    "{}: {}/{}: we say {ours}, go list says {theirs}",
                    path.display(),
                    ctx.goos,
                    ctx.goarch
                ));
            }
        }
    }
    (problems, compared)
}

fn check_platform(go_bin: &Path, goos: &str, goarch: &str) -> BTreeMap<PathBuf, Listed> {
    let ctx = go_context(go_bin, goos, goarch);
    let packages = list_std(go_bin, goos, goarch);
    let (problems, compared) = compare(&packages, &ctx);
    eprintln!(
        "{goos}/{goarch}: {} packages, {compared} files agree",
        packages.len()
    );
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(compared > 1000, "only {compared} files compared");
    packages
}

#[test]
fn std_on_linux_amd64_agrees_with_go_list() {
    let Some(go_bin) = go_binary() else { return };
    let packages = check_platform(&go_bin, "linux", "amd64");
    let src = goroot(&go_bin).join("src");
    for pkg in ["os", "syscall", "runtime", "net"] {
        let listed = packages
            .get(&src.join(pkg))
            .unwrap_or_else(|| panic!("go list std has no {pkg}"));
        assert!(
            !listed.included.is_empty() && !listed.ignored.is_empty(),
            "{pkg}: expected both included and ignored files"
        );
    }
}

#[test]
fn default_context_is_go_lists_linux_amd64() {
    let Some(go_bin) = go_binary() else { return };
    let theirs = go_context(&go_bin, "linux", "amd64");
    let ours = BuildContext::default();
    assert_eq!(ours.tags, theirs.tags);
    assert_eq!(ours.release, theirs.release);
}

#[test]
fn std_on_other_platforms_agrees_with_go_list() {
    let Some(go_bin) = go_binary() else { return };
    for (goos, goarch) in [
        ("windows", "amd64"),
        ("darwin", "arm64"),
        ("ios", "arm64"),
        ("android", "arm64"),
        ("illumos", "amd64"),
        ("freebsd", "386"),
        ("plan9", "386"),
        ("js", "wasm"),
        ("wasip1", "wasm"),
        ("linux", "riscv64"),
        ("linux", "ppc64le"),
        ("linux", "loong64"),
    ] {
        check_platform(&go_bin, goos, goarch);
    }
}

/// Reads the header of every .go file under GOROOT/src, testdata included:
/// nothing may panic, and malformed constraints must only occur in
/// testdata (where Go keeps its deliberately broken examples).
#[test]
fn every_goroot_file_header_reads() {
    let Some(go_bin) = go_binary() else { return };
    let src = goroot(&go_bin).join("src");
    let mut files = Vec::new();
    collect_go_files(&src, &mut files);
    let mut constrained = 0;
    let mut errors = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        match header_constraint(&bytes) {
            Ok(Some(_)) => constrained += 1,
            Ok(None) => {}
            Err(e) => errors.push(format!("{}:{}: {}", path.display(), e.line, e.message)),
        }
    }
    eprintln!(
        "{} files, {constrained} with a constraint, {} malformed",
        files.len(),
        errors.len()
    );
    let outside_testdata: Vec<_> = errors
        .iter()
        .filter(|e| !e.contains("/testdata/"))
        .collect();
    assert!(outside_testdata.is_empty(), "{outside_testdata:#?}");
    assert!(files.len() > 5000 && constrained > 1000);
}

fn collect_go_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            collect_go_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "go") {
            out.push(path);
        }
    }
}

/// Walks GOROOT/src/... (modules `std` and `cmd`, about ten thousand files)
/// and checks it against `go list std cmd`: every listed directory outside
/// `vendor` is found, with all its .go files, in the right module.
#[test]
fn walking_goroot_finds_what_go_list_finds() {
    let Some(go_bin) = go_binary() else { return };
    let src = goroot(&go_bin).join("src");
    let started = std::time::Instant::now();
    let walked = walk(&[src.join("...")]).unwrap();
    eprintln!(
        "walked {} dirs, {} files in {:?}",
        walked.dirs.len(),
        walked.files().count(),
        started.elapsed()
    );
    assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    assert_eq!(walked.modules, [src.clone(), src.join("cmd")]);
    let found: BTreeMap<&Path, (&Vec<PathBuf>, Option<&Path>)> = walked
        .dirs
        .iter()
        .map(|d| (d.dir.as_path(), (&d.files, walked.module_root(d))))
        .collect();
    let listed = go(
        &go_bin,
        "linux",
        "amd64",
        &["list", "-e", "-f", "{{.Dir}}", "std", "cmd"],
    );
    let mut checked = 0;
    for dir in listed.lines().map(Path::new) {
        if dir.components().any(|c| c.as_os_str() == "vendor") {
            continue;
        }
        let (files, module) = found
            .get(dir)
            .unwrap_or_else(|| panic!("walk missed {}", dir.display()));
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, go_files(dir), "{}", dir.display());
        let expected = if dir.starts_with(src.join("cmd")) {
            src.join("cmd")
        } else {
            src.clone()
        };
        assert_eq!(*module, Some(expected.as_path()), "{}", dir.display());
        checked += 1;
    }
    assert!(checked > 500, "only {checked} packages checked");
}
