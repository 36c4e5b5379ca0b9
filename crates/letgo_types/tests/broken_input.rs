//! Unknown or broken input never panics and never stops the run: a missing
//! import, type errors, an import cycle, syntax errors, generic corners.
//! What cannot be known stays unknown (no type), and what can is typed.

use letgo_go::ast::{Decl, Stmt};
mod common;

use common::model_of;
use letgo_types::Semantic;
use std::path::Path;

/// The type string of the value returned by function `func` of `file`
/// (its first `return` expression).
fn returned_type(s: &Semantic, file: &Path, func: &str) -> Option<String> {
    let view = s.file(file)?;
    let sf = s.model.files.iter().find(|f| f.path == file)?;
    let fd = sf.ast.decls.iter().find_map(|d| match d {
        Decl::Func(fd) if fd.name.name(&sf.src) == func => Some(fd),
        _ => None,
    })?;
    let ret = fd.body.as_ref()?.list.iter().find_map(|st| match st {
        Stmt::Return(r) => r.results.first(),
        _ => None,
    })?;
    let t = view.type_of(ret)?;
    Some(s.model.type_string(t))
}

#[test]
fn a_missing_import_leaves_its_names_unknown() {
    let (dir, s) = model_of(&[(
        "a/a.go",
        "package a\n\nimport \"example.com/nowhere/pkg\"\n\nfunc F() any { return pkg.Thing() }\n\nfunc G() int { return 1 + 2 }\n",
    )]);
    let f = dir.path().join("a/a.go");
    assert_eq!(
        returned_type(&s, &f, "F"),
        None,
        "unknown package: unknown type"
    );
    assert_eq!(returned_type(&s, &f, "G").as_deref(), Some("int"));
}

#[test]
fn type_errors_do_not_stop_the_rest() {
    let (dir, s) = model_of(&[(
        "a/a.go",
        "package a\n\nfunc Bad() int { return \"x\" + undefinedName }\n\nfunc Good() string { return \"ok\" }\n\nvar x int = struct{}{}\n",
    )]);
    let f = dir.path().join("a/a.go");
    assert_eq!(returned_type(&s, &f, "Good").as_deref(), Some("string"));
}

#[test]
fn an_import_cycle_is_survived() {
    let (dir, s) = model_of(&[
        (
            "a/a.go",
            "package a\n\nimport \"example.com/m/b\"\n\ntype A struct{ B *b.B }\n\nfunc NewA() *A { return &A{} }\n",
        ),
        (
            "b/b.go",
            "package b\n\nimport \"example.com/m/a\"\n\ntype B struct{ A *a.A }\n\nfunc NewB() *B { return &B{A: a.NewA()} }\n",
        ),
    ]);
    assert_eq!(
        returned_type(&s, &dir.path().join("b/b.go"), "NewB").as_deref(),
        Some("*example.com/m/b.B")
    );
}

#[test]
fn recursive_declarations_are_survived() {
    let (dir, s) = model_of(&[(
        "a/a.go",
        "package a\n\ntype T [len(T{})]int\n\nconst c = c\n\nvar v = v\n\ntype L struct{ next *L }\n\ntype I interface{ I }\n\nfunc F() *L { return &L{} }\n",
    )]);
    assert_eq!(
        returned_type(&s, &dir.path().join("a/a.go"), "F").as_deref(),
        Some("*example.com/m/a.L")
    );
}

#[test]
fn syntax_errors_are_survived() {
    let (dir, s) = model_of(&[(
        "a/a.go",
        "package a\n\nfunc Broken() {\n\tx := \n\ty = )\n}\n\nfunc F() float64 { return 2.5 }\n",
    )]);
    assert_eq!(
        returned_type(&s, &dir.path().join("a/a.go"), "F").as_deref(),
        Some("float64")
    );
}

#[test]
fn generic_corners_are_survived() {
    let (dir, s) = model_of(&[(
        "a/a.go",
        r#"package a

type Num interface{ ~int | ~float64 }

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

type Tree[T any] struct{ left, right *Tree[T] }

func (t *Tree[T]) Walk(f func(T) bool) {}

func Map[S ~[]E, E, R any](s S, f func(E) R) []R {
	out := make([]R, 0, len(s))
	for _, x := range s {
		out = append(out, f(x))
	}
	return out
}

func Sum[T Num](xs ...T) T {
	var t T
	for _, x := range xs {
		t += x
	}
	return t
}

type Self[T interface{ *Self[T] }] struct{}

func F() []string { return Map([]int{1, 2}, func(i int) string { return "" }) }

func G() float64 { return Sum(1.5, 2) }

func H() Pair[string, int] { return Pair[string, int]{"a", 1} }
"#,
    )]);
    let f = dir.path().join("a/a.go");
    assert_eq!(returned_type(&s, &f, "F").as_deref(), Some("[]string"));
    assert_eq!(returned_type(&s, &f, "G").as_deref(), Some("float64"));
    assert_eq!(
        returned_type(&s, &f, "H").as_deref(),
        Some("example.com/m/a.Pair[string, int]")
    );
}

#[test]
fn no_goroot_means_an_unknown_standard_library() {
    // A GOROOT without the package: `fmt` cannot be found, its names stay
    // unknown, and the package's own code is still typed.
    let (dir, _) = model_of(&[("a/a.go", "package a\n")]);
    let mut c = letgo_types::Checker::new(dir.path().join("no-goroot"));
    std::fs::write(
        dir.path().join("a/b.go"),
        "package a\n\nimport \"fmt\"\n\nfunc P() { fmt.Println(1) }\n\nfunc Q() bool { return true }\n",
    )
    .unwrap();
    let p = c
        .load_dir(&dir.path().join("a"))
        .expect("the package loads");
    c.check_package(p);
    let s = Semantic::from_checker(c);
    let f = dir.path().join("a/b.go");
    assert_eq!(returned_type(&s, &f, "Q").as_deref(), Some("bool"));
}
