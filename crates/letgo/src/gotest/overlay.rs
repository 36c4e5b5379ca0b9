//! The overlay that compiles the leak check into each test package,
//! without a byte of the user's files changed: `go test -overlay` reads a
//! JSON map from paths in the package to files in a temporary folder. Each
//! package gets the harness (`harness.go`) as `zz_letgo_leakcheck_test.go`;
//! where the package has its own `TestMain`, the overlay holds a copy of
//! that file in which `m.Run()` becomes `letgoLeakcheckRun(m)`, found with
//! the parser (byte-exact, on the same line, so line numbers hold).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use letgo_go::ast::{Decl, Expr, FuncDecl};
use letgo_go::visit::{inspect, Node};
use serde::Deserialize;

use super::subtests::Subtests;
use crate::paths;

/// The harness, as kept in the repo (vetted and gofmt-clean there).
const HARNESS: &str = include_str!("harness.go");

/// The name the harness takes in each package directory.
pub const HARNESS_FILE: &str = "zz_letgo_leakcheck_test.go";

/// One package, as `go list -json` describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedPackage {
    pub dir: PathBuf,
    pub import_path: String,
    pub name: String,
    #[serde(default)]
    pub test_go_files: Vec<String>,
    #[serde(default)]
    pub x_test_go_files: Vec<String>,
    pub module: Option<ListedModule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListedModule {
    pub path: Option<String>,
    pub dir: Option<PathBuf>,
}

impl ListedPackage {
    fn has_tests(&self) -> bool {
        !self.test_go_files.is_empty() || !self.x_test_go_files.is_empty()
    }

    /// The test files with the package name each is compiled in.
    fn test_files(&self) -> impl Iterator<Item = (PathBuf, String)> + '_ {
        let internal = self
            .test_go_files
            .iter()
            .map(|f| (self.dir.join(f), self.name.clone()));
        let external = self
            .x_test_go_files
            .iter()
            .map(|f| (self.dir.join(f), format!("{}_test", self.name)));
        internal.chain(external)
    }
}

/// Runs `go list` over the patterns with the build flags that change
/// which files are in a package.
pub fn list_packages(
    go: &str,
    patterns: &[String],
    build_flags: &[String],
) -> anyhow::Result<Vec<ListedPackage>> {
    let out = std::process::Command::new(go)
        .arg("list")
        .arg("-json=Dir,ImportPath,Name,TestGoFiles,XTestGoFiles,Module")
        .args(build_flags)
        .args(patterns)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running `{go} list`"))?;
    if !out.status.success() {
        anyhow::bail!("`{go} list {}` failed", patterns.join(" "));
    }
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<ListedPackage>()
        .map(|p| p.context("reading `go list -json`"))
        .collect()
}

/// A `TestMain` found in a test file.
#[derive(Debug, Clone, PartialEq)]
pub struct TestMain {
    pub file: PathBuf,
    pub package: String,
    /// The file with each `m.Run()` routed through the check.
    pub rewritten: String,
}

/// The `TestMain` among the package's test files (Go allows one across
/// the internal and external test packages).
pub fn find_test_main(pkg: &ListedPackage) -> anyhow::Result<Option<TestMain>> {
    for (path, package) in pkg.test_files() {
        let src = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", paths::display(&path)))?;
        if !src.contains("TestMain") {
            continue;
        }
        let parsed = letgo_go::parser::parse_file(&src);
        let has_main = parsed.file.decls.iter().any(
            |d| matches!(d, Decl::Func(f) if f.recv.is_none() && f.name.name(&src) == "TestMain"),
        );
        if !has_main {
            continue;
        }
        // m.Run() in TestMain or in a helper of the file it hands m to
        // (crypto/tls's TestMain calls runMain(m)).
        let mut calls: Vec<(usize, usize, String)> = parsed
            .file
            .decls
            .iter()
            .filter_map(|d| match d {
                Decl::Func(f) => Some(run_calls(f, &src)),
                _ => None,
            })
            .flatten()
            .collect();
        calls.sort();
        if calls.is_empty() {
            anyhow::bail!(
                "{}: TestMain never calls m.Run(), so no test would be checked",
                paths::display(&path)
            );
        }
        let mut rewritten = src.clone();
        for (start, end, receiver) in calls.into_iter().rev() {
            rewritten.replace_range(start..end, &format!("letgoLeakcheckRun({receiver})"));
        }
        return Ok(Some(TestMain {
            file: path,
            package,
            rewritten,
        }));
    }
    Ok(None)
}

/// The byte ranges of `m.Run()` calls in a function's body, where `m`
/// is a `*testing.M` parameter, with the receiver's text.
fn run_calls(func: &FuncDecl, src: &str) -> Vec<(usize, usize, String)> {
    let params: Vec<&str> = func
        .typ
        .params
        .list
        .iter()
        .filter(|f| {
            let typ = &src[f.typ.pos() as usize..f.typ.end() as usize];
            typ.split_whitespace().collect::<String>() == "*testing.M"
        })
        .flat_map(|f| f.names.iter().map(|n| n.name(src)))
        .collect();
    let Some(body) = func.body.as_ref().filter(|_| !params.is_empty()) else {
        return Vec::new();
    };
    let mut calls = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        if let Node::Call(call) = n {
            if let Expr::Selector(sel) = &call.fun {
                if let Expr::Ident(id) = &sel.x {
                    let receiver = id.name(src);
                    if params.contains(&receiver)
                        && sel.sel.name(src) == "Run"
                        && call.args.is_empty()
                    {
                        calls.push((
                            call.pos() as usize,
                            call.end() as usize,
                            receiver.to_string(),
                        ));
                    }
                }
            }
        }
        true
    });
    calls
}

/// The harness for one package: its package clause, its import path, and
/// a `TestMain` when the package has none.
pub fn harness_for(
    package: &str,
    import_path: &str,
    with_test_main: bool,
    subtests: &[(String, String)],
) -> String {
    let entries: String = subtests
        .iter()
        .map(|(f, name)| format!("\n\t{f:?}: {name:?},"))
        .collect::<String>();
    let mut text = HARNESS
        .replacen("package letgoharness", &format!("package {package}"), 1)
        .replacen("LETGO_IMPORT_PATH", import_path, 1)
        .replacen("/* LETGO_SUBTESTS */", &format!("{entries}\n"), 1);
    if with_test_main {
        text.push_str(
            "\n// TestMain is letgo's: the package has none.\n\
             func TestMain(m *letgoTesting.M) { letgoOS.Exit(letgoLeakcheckRun(m)) }\n",
        );
    }
    text
}

/// Writes the overlay for `packages` into `dir` and returns the overlay
/// file's path and the packages that got the check.
pub fn write_overlay(
    dir: &Path,
    packages: &[ListedPackage],
    subtests: &Subtests,
) -> anyhow::Result<(PathBuf, Vec<ListedPackage>)> {
    let mut replace = BTreeMap::new();
    let mut checked = Vec::new();
    for (n, pkg) in packages.iter().filter(|p| p.has_tests()).enumerate() {
        let target = pkg.dir.join(HARNESS_FILE);
        if target.exists() {
            anyhow::bail!(
                "{}: a file of that name exists; letgo test would shadow it",
                paths::display(&target)
            );
        }
        let own = dir.join(format!("p{n}"));
        std::fs::create_dir_all(&own)?;
        let main = find_test_main(pkg)?;
        // The external test package when free to choose: it may import
        // what the package itself cannot (`sync`'s tests cannot import
        // runtime/pprof, which imports sync).
        let package = match &main {
            Some(m) => m.package.clone(),
            None => format!("{}_test", pkg.name),
        };
        let harness = own.join(HARNESS_FILE);
        std::fs::write(
            &harness,
            harness_for(
                &package,
                &pkg.import_path,
                main.is_none(),
                &subtests.of_package(&pkg.import_path),
            ),
        )?;
        replace.insert(target, harness);
        if let Some(m) = main {
            let copy = own.join(m.file.file_name().unwrap_or_default());
            std::fs::write(&copy, &m.rewritten)?;
            replace.insert(m.file.clone(), copy);
        }
        checked.push(pkg.clone());
    }
    let path = dir.join("overlay.json");
    let json = serde_json::json!({ "Replace": replace });
    std::fs::write(&path, serde_json::to_vec_pretty(&json)?)?;
    Ok((path, checked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(
        dir: &Path,
        files: &[(&str, &str)],
        internal: &[&str],
        external: &[&str],
    ) -> ListedPackage {
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        ListedPackage {
            dir: dir.to_path_buf(),
            import_path: "example.com/p".into(),
            name: "p".into(),
            test_go_files: internal.iter().map(|s| s.to_string()).collect(),
            x_test_go_files: external.iter().map(|s| s.to_string()).collect(),
            module: None,
        }
    }

    #[test]
    fn test_main_run_calls_are_rewritten_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let src = "package p_test\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\n\
                   // m.Run() in a comment stays.\nfunc TestMain(tm *testing.M) {\n\
                   \tcode := tm.Run()\n\tif code == 0 { code = tm.Run() }\n\tos.Exit(code + run(tm))\n}\n\n                   func run(m *testing.M) int { return m.Run() }\n";
        let pkg = package(
            dir.path(),
            &[("a_test.go", "package p\n"), ("b_test.go", src)],
            &["a_test.go"],
            &["b_test.go"],
        );
        let main = find_test_main(&pkg).unwrap().unwrap();
        assert_eq!(main.package, "p_test");
        assert_eq!(
            main.rewritten,
            src.replace("code := tm.Run()", "code := letgoLeakcheckRun(tm)")
                .replace("code = tm.Run()", "code = letgoLeakcheckRun(tm)")
                .replace("return m.Run()", "return letgoLeakcheckRun(m)")
        );
        assert_eq!(main.rewritten.lines().count(), src.lines().count());
    }

    #[test]
    fn a_test_main_without_run_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = package(
            dir.path(),
            &[(
                "a_test.go",
                "package p\n\nimport \"testing\"\n\nfunc TestMain(m *testing.M) {}\n",
            )],
            &["a_test.go"],
            &[],
        );
        let err = find_test_main(&pkg).unwrap_err().to_string();
        assert!(
            err.contains("a_test.go") && err.contains("never calls m.Run()"),
            "{err}"
        );
    }

    #[test]
    fn harness_takes_the_package_and_import_path() {
        let subtests = [(
            "example.com/p.TestX.func1".to_string(),
            "a \"b\"".to_string(),
        )];
        let h = harness_for("p_test", "example.com/p", true, &subtests);
        assert!(
            h.contains("{ \n\t\"example.com/p.TestX.func1\": \"a \\\"b\\\"\",\n }"),
            "{h}"
        );
        assert!(h.contains("\npackage p_test\n"));
        assert!(h.contains("const letgoImportPath = \"example.com/p\""));
        assert!(h.contains("func TestMain(m *letgoTesting.M)"));
        assert!(!harness_for("p", "x", false, &[]).contains("func TestMain"));
    }
}
