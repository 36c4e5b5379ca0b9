//! Names of subtests from the source: the function literal passed to
//! `t.Run("name", func(t *testing.T) {...})` runs as the subtest, and Go's
//! stack traces name that literal (`pkg.TestX.func2`) as
//! `letgo_lint::funcs` does. A subtest whose name is not a string literal
//! (a table's `tc.name`) keeps its literal's call site instead.

use std::collections::HashMap;
use std::path::Path;

use letgo_go::ast::{Expr, FuncLit};
use letgo_go::load::{load, LoadOptions, Program};
use letgo_go::visit::{inspect, Node};
use letgo_lint::context::PackageContext;
use letgo_lint::funcs::FuncKind;

/// Subtest functions by trace name (without the `_test` of an external
/// test package): the subtest's name, or `None` when it is computed.
#[derive(Debug, Default)]
pub struct Subtests {
    by_function: HashMap<String, Subtest>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subtest {
    pub name: Option<String>,
    /// `file:line` of the `t.Run` call.
    pub at: String,
}

impl Subtests {
    /// Reads the test files of the packages (directory, import path as
    /// `go list` gives it); what cannot be loaded gives no names (the
    /// report then names the top-level test).
    pub fn read(packages: &[(&Path, &str)]) -> Subtests {
        let dirs: Vec<&Path> = packages.iter().map(|(d, _)| *d).collect();
        match load(&dirs, &LoadOptions::default()) {
            Ok(program) => Subtests::from_program(&program, packages),
            Err(_) => Subtests::default(),
        }
    }

    fn from_program(program: &Program, packages: &[(&Path, &str)]) -> Subtests {
        let mut by_function = HashMap::new();
        for pkg in &program.packages {
            // Go's name for the package (`crypto/tls`), which letgo's own
            // may not be (GOROOT's module is `std`).
            let Some(import_path) = packages
                .iter()
                .find(|(d, _)| same_dir(d, &pkg.dir))
                .map(|(_, p)| *p)
            else {
                continue;
            };
            let cx = PackageContext::new(program, pkg, false, None);
            let prefix = format!("{}.", cx.trace_package());
            let mut literals: HashMap<*const FuncLit, Subtest> = HashMap::new();
            for (_, file) in cx.files().filter(|(_, f)| f.is_test) {
                inspect(Node::File(&file.ast), &mut |n| {
                    if let Node::Call(call) = n {
                        if let (Expr::Selector(sel), [name, Expr::FuncLit(lit)]) =
                            (&call.fun, call.args.as_slice())
                        {
                            if sel.sel.name(&file.src) == "Run" {
                                let line = file.lines.line_col(call.lparen).0;
                                let at = format!(
                                    "{}:{line}",
                                    file.path.file_name().unwrap_or_default().to_string_lossy()
                                );
                                let name = literal_name(name, &file.src);
                                literals.insert(&**lit as *const FuncLit, Subtest { name, at });
                            }
                        }
                    }
                    true
                });
            }
            for f in cx.functions() {
                if let FuncKind::Lit(lit) = f.kind {
                    if let (Some(s), Some(rest)) = (
                        literals.get(&(lit as *const FuncLit)),
                        f.name.strip_prefix(&prefix),
                    ) {
                        by_function.insert(format!("{import_path}.{rest}"), s.clone());
                    }
                }
            }
        }
        Subtests { by_function }
    }

    /// The subtest run by `function`, as Go's traceback names it.
    pub fn lookup(&self, function: &str) -> Option<&Subtest> {
        self.by_function.get(function).or_else(|| {
            let (pkg, rest) = split_package(function);
            let pkg = pkg.strip_suffix("_test")?;
            self.by_function.get(&format!("{pkg}.{rest}"))
        })
    }

    /// The subtest literals of a package, under both names Go may give
    /// them (the external test package's adds `_test`).
    /// A computed name shows as `<subtest at file:line>`.
    pub fn of_package(&self, import_path: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (f, s) in &self.by_function {
            let (pkg, rest) = split_package(f);
            if pkg == import_path {
                let name = s
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("<subtest at {}>", s.at));
                out.push((f.clone(), name.clone()));
                out.push((format!("{pkg}_test.{rest}"), name));
            }
        }
        out.sort();
        out
    }

    /// `TestX/name/inner` for the subtest functions between the test and
    /// a leak, outermost first.
    pub fn path(&self, test: &str, functions: &[&str]) -> String {
        let mut path = test.to_string();
        for f in functions {
            path.push('/');
            path.push_str(&self.name(f));
        }
        path
    }

    /// The subtest `function` runs, as `go test` names it; a computed
    /// name shows as `<subtest at file:line>`.
    pub fn name(&self, function: &str) -> String {
        match self.lookup(function) {
            Some(Subtest { name: Some(n), .. }) => n.replace(' ', "_"),
            Some(Subtest { name: None, at }) => format!("<subtest at {at}>"),
            None => format!("<subtest {function}>"),
        }
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b || a.canonicalize().ok() == b.canonicalize().ok()
}

/// `("example.com/m/p", "TestX.func1")`.
fn split_package(function: &str) -> (&str, &str) {
    let slash = function.rfind('/').map_or(0, |i| i + 1);
    match function[slash..].find('.') {
        Some(dot) => (&function[..slash + dot], &function[slash + dot + 1..]),
        None => (function, ""),
    }
}

/// The value of a string literal (interpreted or raw), if `e` is one.
fn literal_name(e: &Expr, src: &str) -> Option<String> {
    let Expr::BasicLit(lit) = e else { return None };
    let text = &src[lit.pos as usize..lit.end as usize];
    if let Some(raw) = text.strip_prefix('`') {
        return raw.strip_suffix('`').map(String::from);
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    // Escapes are rare in test names; one with any keeps its call site.
    (!inner.contains('\\')).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtest_literals_are_named_by_trace_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("go.mod"),
            "module example.com/m\n\ngo 1.22\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("p_test.go"),
            "package p_test\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {\n\
             \tfor _, n := range []string{\"a\"} {\n\t\tt.Run(n, func(t *testing.T) {})\n\t}\n\
             \tt.Run(\"two words\", func(t *testing.T) {\n\t\tt.Run(`in`, func(t *testing.T) {})\n\t})\n}\n",
        )
        .unwrap();
        let s = Subtests::read(&[(dir.path(), "example.com/m")]);
        let table = s.lookup("example.com/m_test.TestX.func1").unwrap();
        assert_eq!(
            table,
            &Subtest {
                name: None,
                at: "p_test.go:7".into()
            }
        );
        assert_eq!(
            s.path(
                "TestX",
                &[
                    "example.com/m_test.TestX.func2",
                    "example.com/m_test.TestX.func2.1"
                ]
            ),
            "TestX/two_words/in"
        );
        assert_eq!(
            s.path("TestX", &["example.com/m_test.TestX.func1"]),
            "TestX/<subtest at p_test.go:7>"
        );
    }
}
