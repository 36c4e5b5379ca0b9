//! Differential test: our semantic model against Go's own `go/types`, over
//! every package of `$(go env GOROOT)/src` (issue 11).
//!
//! `tools/gotypesdump` prints, per file, the object of every identifier
//! use and the type of every expression as go/types sees them; our checker
//! prints the same form (`letgo_types::dump`); `letgo_types::differential`
//! compares the two and the report lists every class of disagreement.
//! The go/types dump of the whole tree takes 22 s of CPU (about a minute
//! on a busy machine), so it is cached under `target/tmp`, keyed by the Go
//! version, GOROOT and the tool's source; comparing takes about 15 s and
//! 1.5 GB in a debug build. Long: `#[ignore]`d by default and run by `scripts/test`.
//!
//! `LETGO_TYPES_PKG=net/http cargo test -p letgo_types --test stdlib_types
//! -- --ignored one_package --nocapture` compares a single package (the
//! go/types side is then dumped afresh, in about a second).
//!
//! Not ignored: `gotypesdump_prints_the_documented_format` pins the format
//! decisions the checker's dump must mirror on a small sample package.

use letgo_testkit::{go_binary, go_command, goroot, workspace_root};
use letgo_types::differential::{compare, parse_dump, Comparison};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Issue 11's targets, in percent of the go/types lines. If the checker
/// falls short, set these to the figures it reaches (and say so in the
/// README) rather than weakening the comparison.
const MIN_SAME_OBJECT: f64 = 99.9;
const MIN_SAME_TYPE: f64 = 99.0;
const MIN_TRACKED_SAME_TYPE: f64 = 100.0;
/// go/types leaves about 6.5% of the expressions of GOROOT/src untyped
/// (`untyped bool` conditions, `untyped int` constants). Issue 11 accepts
/// the default type for them; when this is true, `MIN_SAME_TYPE` is
/// checked counting a default type where go/types says untyped as the same.
const DEFAULT_TYPE_FOR_UNTYPED_IS_SAME: bool = false;

/// Our checker's dump of the whole of GOROOT/src.
fn our_goroot_dump(goroot: &Path) -> Option<String> {
    Some(letgo_types::dump::dump_goroot(goroot))
}

/// Our checker's dump of one package (and only that package's files).
fn our_package_dump(goroot: &Path, pkg: &str) -> Option<String> {
    Some(letgo_types::dump::dump_packages(goroot, &[pkg]))
}

#[test]
#[ignore = "long: runs go/types and our checker over the whole standard library"]
fn agrees_with_go_types_on_the_standard_library() {
    let Some(go) = go_binary() else {
        return;
    };
    let root = goroot(&go);
    let reference_text = cached_reference_dump(&go, &root);
    let reference = parse_dump(&reference_text).expect("gotypesdump's output parses");
    assert!(
        reference.files.len() > 3000,
        "only {} files in the go/types dump",
        reference.files.len()
    );
    let Some(ours_text) = our_goroot_dump(&root) else {
        report_placeholder(&reference);
        return;
    };
    let ours = parse_dump(&ours_text).unwrap_or_else(|e| panic!("our dump does not parse: {e}"));
    let c = compare(&reference, &ours);
    println!("{c}");
    assert_targets(&c);
}

#[test]
#[ignore = "for iteration: compares one package, LETGO_TYPES_PKG (default context)"]
fn one_package() {
    // Unset, a real package is still compared, so that the run of the
    // ignored tests checks something here too.
    let pkg = std::env::var("LETGO_TYPES_PKG").unwrap_or_else(|_| "context".to_string());
    let Some(go) = go_binary() else {
        return;
    };
    let root = goroot(&go);
    let bin = build_gotypesdump(&go);
    let out = go_command(&bin)
        .arg("-goroot")
        .arg(&root)
        .arg(&pkg)
        .output()
        .expect("gotypesdump runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "gotypesdump {pkg}: {stderr}");
    let reference_text = String::from_utf8(out.stdout).expect("the dump is UTF-8");
    let reference = parse_dump(&reference_text).expect("gotypesdump's output parses");
    assert!(
        !reference.files.is_empty(),
        "go/types dumped nothing: {stderr}"
    );
    let Some(ours_text) = our_package_dump(&root, &pkg) else {
        report_placeholder(&reference);
        return;
    };
    let mut ours =
        parse_dump(&ours_text).unwrap_or_else(|e| panic!("our dump does not parse: {e}"));
    ours.files.retain(|(p, _), _| *p == pkg);
    let c = compare(&reference, &ours);
    println!("{c}");
    assert_targets(&c);
}

/// A package exercising the format's decisions (see
/// tools/gotypesdump/README.md), dumped from a GOROOT made of links to the
/// real one plus this package.
const SAMPLE: &str = r#"package zz

import "sync"

type L[T any] struct{ v T }

func (l *L[T]) Get() T { return l.v }

type S struct {
	sync.Mutex
	n int
}

func f(y any, m map[string]int, ch chan int) {
	var l L[int]
	_ = l.Get()
	switch x := y.(type) {
	case string:
		_ = x
	}
	s := S{n: 1}
	s.Lock()
	v, ok := m["a"]
	_, _ = v, ok
	if len(m) != 0 {
	}
	<-ch
Out:
	for {
		break Out
	}
}
"#;

#[test]
fn gotypesdump_prints_the_documented_format() {
    let Some(go) = go_binary() else {
        return;
    };
    let root = tmp_dir().join("gotypesdump-sample-goroot");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src/zz")).unwrap();
    for entry in std::fs::read_dir(goroot(&go).join("src"))
        .unwrap()
        .flatten()
    {
        std::os::unix::fs::symlink(entry.path(), root.join("src").join(entry.file_name())).unwrap();
    }
    std::fs::write(root.join("src/zz/z.go"), SAMPLE).unwrap();
    let out = go_command(&build_gotypesdump(&go))
        .arg("-goroot")
        .arg(&root)
        .arg("zz")
        .output()
        .expect("gotypesdump runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let at = |needle: &str| SAMPLE.find(needle).unwrap_or_else(|| panic!("{needle:?}"));
    let want = [
        "package zz\nfile zz/z.go\n".to_string(),
        // A struct field's use, declared in the same file.
        format!("I {} v field zz/z.go:{}\n", at("l.v") + 2, at("v T")),
        // An embedded type name is a type use; a promoted method points
        // into package sync; a package name at its imported path.
        format!("I {} sync pkgname sync\n", at("sync.Mutex")),
        format!("T {} {} Ident var zz.S\n", at("s.Lock"), at("s.Lock") + 1),
        // The generic type's name prints with its type parameters, the
        // instance with its arguments; the method of the instance points
        // at the generic declaration.
        format!(
            "T {} {} Ident type zz.L[T any]\n",
            at("L[int]"),
            at("L[int]") + 1
        ),
        format!(
            "T {} {} Index type zz.L[int]\n",
            at("L[int]"),
            at("L[int]") + 6
        ),
        format!("I {} Get method zz/z.go:{}\n", at("Get()\n"), at("Get() T")),
        // A type switch's clause variable is declared at the header.
        format!("I {} x var zz/z.go:{}\n", at("_ = x") + 4, at("x :=")),
        // A comma-ok index has the tuple type, a condition stays untyped.
        format!(
            "T {} {} Index mapindex (int, bool)\n",
            at("m[\"a\"]"),
            at("m[\"a\"]") + 6
        ),
        format!(
            "T {} {} Binary value untyped bool\n",
            at("len(m) != 0"),
            at(" {\n\t}")
        ),
        format!("I {} len builtin universe\n", at("len(m)")),
        format!("I {} Out label zz/z.go:{}\n", at("Out\n\t}"), at("Out:")),
    ];
    for line in &want {
        assert!(text.contains(line.as_str()), "no {line:?} in\n{text}");
    }
    // `<-ch` alone is a receive without comma-ok use: its element type.
    let recv = format!("T {} {} Unary commaok int\n", at("<-ch"), at("<-ch") + 4);
    assert!(text.contains(&recv), "no {recv:?} in\n{text}");
    let dump = parse_dump(&text).expect("the sample dump parses");
    let c = compare(&dump, &dump);
    assert_eq!(
        (c.idents.same, c.exprs.same),
        (c.idents.total, c.exprs.total)
    );
    assert!(c.tracked_exprs.total > 0, "ch and sync.Mutex are tracked");
}

fn assert_targets(c: &Comparison) {
    assert!(
        c.tracked_exprs.total > 0,
        "no tracked expression was compared"
    );
    let same_type = if DEFAULT_TYPE_FOR_UNTYPED_IS_SAME {
        c.exprs_percent_with_default_types()
    } else {
        c.exprs.percent()
    };
    let checks = [
        (
            "identifier uses with the same object",
            c.idents.percent(),
            MIN_SAME_OBJECT,
        ),
        ("expressions with the same type", same_type, MIN_SAME_TYPE),
        (
            "tracked expressions with the same type",
            c.tracked_exprs.percent(),
            MIN_TRACKED_SAME_TYPE,
        ),
    ];
    let failed: Vec<String> = checks
        .iter()
        .filter(|(_, got, min)| got < min)
        .map(|(what, got, min)| format!("{what}: {got:.3}% < {min}%"))
        .collect();
    assert!(failed.is_empty(), "below target: {}", failed.join("; "));
}

fn report_placeholder(reference: &letgo_types::differential::Dump) {
    let (idents, exprs) = reference
        .files
        .values()
        .fold((0, 0), |(i, e), f| (i + f.idents.len(), e + f.exprs.len()));
    eprintln!(
        "NOT COMPARED: letgo_types::dump is not wired in yet (see our_goroot_dump in {}); \
         go/types side only: {} files, {idents} identifier uses, {exprs} expressions",
        file!(),
        reference.files.len()
    );
}

/// The go/types dump of all of GOROOT/src, from the cache when the same
/// Go, GOROOT and gotypesdump source made it before.
fn cached_reference_dump(go: &Path, root: &Path) -> String {
    let version = go_command(go)
        .arg("version")
        .output()
        .expect("go version runs");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    version.stdout.hash(&mut h);
    root.hash(&mut h);
    // Every file of the tool, so that a change to it makes a new dump.
    let mut sources: Vec<PathBuf> = std::fs::read_dir(tool_dir())
        .expect("tools/gotypesdump exists")
        .map(|e| e.expect("tools/gotypesdump is readable").path())
        .collect();
    sources.sort();
    for path in sources {
        path.hash(&mut h);
        std::fs::read(&path).unwrap_or_default().hash(&mut h);
    }
    let cache = tmp_dir().join(format!("gotypesdump-goroot-{:016x}.txt", h.finish()));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        return text;
    }
    let bin = build_gotypesdump(go);
    let partial = cache.with_extension("partial");
    let start = std::time::Instant::now();
    let out = go_command(&bin)
        .arg("-goroot")
        .arg(root)
        .arg("-o")
        .arg(&partial)
        .arg("all")
        .output()
        .expect("gotypesdump runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "gotypesdump all: {stderr}");
    eprintln!("gotypesdump all ({:.1?}):\n{stderr}", start.elapsed());
    remove_stale_dumps(&cache);
    std::fs::rename(&partial, &cache).expect("the cache file can be renamed");
    std::fs::read_to_string(&cache).expect("the dump is UTF-8")
}

/// Removes the cached dumps of other Go versions or tool sources (a third
/// of a GB each).
fn remove_stale_dumps(keep: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp_dir()) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("gotypesdump-goroot-") && name.ends_with(".txt") && path != keep {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn tool_dir() -> PathBuf {
    workspace_root().join("tools/gotypesdump")
}

fn tmp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Builds `tools/gotypesdump` into target/tmp, once per test process
/// (the tests run in parallel and must not write the binary while another
/// runs it); returns the binary.
fn build_gotypesdump(go: &Path) -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| letgo_testkit::go_build(go, &tool_dir(), &tmp_dir().join("gotypesdump")))
        .clone()
}

/// A module that vendors a dependency, for module mode: its own packages
/// (one imports another by the module path), a vendored package that
/// imports the standard library, and folders `-list` leaves out (a nested
/// module, testdata, vendor, a folder with only tests).
const MODULE_FILES: &[(&str, &str)] = &[
    ("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n"),
    (
        "vendor/modules.txt",
        "# example.com/lib v1.0.0\n## explicit; go 1.22\nexample.com/lib\n",
    ),
    (
        "vendor/example.com/lib/lib.go",
        "package lib\n\nimport \"sync\"\n\ntype Guard struct {\n\tsync.Mutex\n\tN int\n}\n",
    ),
    (
        "main.go",
        "package main\n\nimport (\n\t\"example.com/app/inner\"\n\t\"example.com/lib\"\n)\n\nfunc main() {\n\tvar g lib.Guard\n\tg.Lock()\n\tg.N = inner.Twice(g.N)\n\tg.Unlock()\n}\n",
    ),
    (
        "inner/inner.go",
        "package inner\n\nfunc Twice(n int) int { return 2 * n }\n",
    ),
    ("inner/inner_test.go", "package inner\n"),
    ("onlytests/x_test.go", "package onlytests\n"),
    ("nested/go.mod", "module example.com/nested\n"),
    ("nested/n.go", "package nested\n"),
    ("inner/testdata/t.go", "package broken(\n"),
];

#[test]
fn module_mode_paths_agree_with_ours() {
    let Some(go) = go_binary() else {
        return;
    };
    let root = tmp_dir().join("gotypesdump-module");
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in MODULE_FILES {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let bin = build_gotypesdump(&go);
    let list = go_command(&bin)
        .arg("-module")
        .arg(&root)
        .arg("-list")
        .output()
        .expect("gotypesdump -list runs");
    let dirs = String::from_utf8(list.stdout).unwrap();
    let dirs: Vec<&str> = dirs.lines().collect();
    assert_eq!(dirs, [".", "inner", "onlytests"], "-list");
    let gr = goroot(&go);
    let out = go_command(&bin)
        .arg("-goroot")
        .arg(&gr)
        .arg("-module")
        .arg(&root)
        .output()
        .expect("gotypesdump -module runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "gotypesdump -module: {stderr}");
    assert!(stderr.contains("2 packages dumped, 0 failed"), "{stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    let main = MODULE_FILES[3].1;
    let lib = MODULE_FILES[2].1;
    let want = [
        "package example.com/app\nfile main.go\n".to_string(),
        "package example.com/app/inner\nfile inner/inner.go\n".to_string(),
        format!(
            "I {} lib pkgname example.com/lib\n",
            main.find("lib.Guard").unwrap()
        ),
        format!(
            "I {} Guard type vendor/example.com/lib/lib.go:{}\n",
            main.find("Guard").unwrap(),
            lib.find("Guard").unwrap()
        ),
        format!(
            "T {} {} Selector type example.com/lib.Guard\n",
            main.find("lib.Guard").unwrap(),
            main.find("lib.Guard").unwrap() + 9
        ),
    ];
    for line in &want {
        assert!(text.contains(line.as_str()), "no {line:?} in\n{text}");
    }
    // The promoted method is declared in GOROOT, named relative to its src.
    let lock = format!(
        "I {} Lock method sync/mutex.go:",
        main.find("Lock").unwrap()
    );
    assert!(text.contains(&lock), "no {lock:?} in\n{text}");

    let reference = parse_dump(&text).expect("the module dump parses");
    let ours_text = letgo_types::dump::dump_module(&gr, &root, &dirs);
    let ours = parse_dump(&ours_text).unwrap_or_else(|e| panic!("our dump: {e}\n{ours_text}"));
    let c = compare(&reference, &ours);
    assert_eq!(reference.files.len(), 2, "main.go and inner/inner.go");
    assert_eq!((c.files.missing, c.files.extra), (0, 0), "{c}");
    assert!(c.idents.total > 0 && c.exprs.total > 0, "{c}");
    assert_eq!(
        (c.idents.same, c.exprs.same),
        (c.idents.total, c.exprs.total),
        "{c}"
    );
}
