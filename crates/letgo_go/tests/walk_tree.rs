//! Walks a real directory tree with nested modules, testdata, vendor,
//! hidden and ignored directories and build-tagged files, and checks which
//! files are found, which module owns them, and which the default platform
//! builds.

use std::fs;
use std::path::{Path, PathBuf};

use letgo_go::build_constraint::{BuildContext, FileConstraint};
use letgo_go::gomod::GoMod;
use letgo_go::walk::{find_module_root, walk, Walk};
use tempfile::TempDir;

const TREE: &[(&str, &str)] = &[
    ("go.mod", "module example.com/root\n\ngo 1.22\n"),
    (".gitignore", "/ignored/\n*_gen.go\n"),
    ("main.go", "package main\n"),
    ("notes.txt", "not go\n"),
    ("a/a.go", "package a\n"),
    ("a/a_test.go", "package a\n"),
    ("a/a_windows.go", "package a\n"),
    ("a/a_linux_amd64.go", "package a\n"),
    (
        "a/tagged.go",
        "// Copyright.\n\n//go:build windows || darwin\n\npackage a\n",
    ),
    ("a/legacy.go", "// +build ignore\n\npackage main\n"),
    ("a/cgo.go", "//go:build cgo && linux\n\npackage a\n"),
    ("a/_skip.go", "package a\n"),
    ("a/.skip.go", "package a\n"),
    ("a/zz_gen.go", "package a\n"),
    ("a/dir.go/inside.go", "package inside\n"),
    ("a/b/b.go", "package b\n"),
    ("a/b/.gitignore", "local.go\n"),
    ("a/b/local.go", "package b\n"),
    ("_hidden/h.go", "package h\n"),
    (".dot/d.go", "package d\n"),
    ("testdata/t.go", "package t\n"),
    ("testdata/sub/u.go", "package u\n"),
    ("vendor/example.com/v/v.go", "package v\n"),
    ("ignored/i.go", "package i\n"),
    ("nested/go.mod", "module example.com/nested\n"),
    ("nested/n.go", "package nested\n"),
    ("nested/deep/d.go", "package deep\n"),
    ("nested/testdata/x.go", "package x\n"),
    ("nested/vendor/y.go", "package y\n"),
    ("empty/README", "nothing\n"),
];

fn build_tree(files: &[(&str, &str)]) -> TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = tmp.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    tmp
}

/// The real path of the temporary root (macOS's /tmp is a symbolic link,
/// and walk's paths are lexical).
fn root(tmp: &TempDir) -> PathBuf {
    tmp.path().canonicalize().unwrap()
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Every file found, relative to `root`, with its module relative to
/// `root` (`-` for none).
fn summary(walk: &Walk, root: &Path) -> Vec<String> {
    walk.files()
        .map(|(file, module)| {
            let module = module.map_or("-".to_string(), |m| {
                let m = rel(root, m);
                if m.is_empty() {
                    ".".to_string()
                } else {
                    m
                }
            });
            format!("{} [{module}]", rel(root, file))
        })
        .collect()
}

#[test]
fn walks_a_tree_like_go_and_git() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let walk = walk(&[root.join("...")]).unwrap();
    assert!(walk.errors.is_empty(), "{:?}", walk.errors);
    assert_eq!(
        summary(&walk, &root),
        [
            "main.go [.]",
            "a/a.go [.]",
            "a/a_linux_amd64.go [.]",
            "a/a_test.go [.]",
            "a/a_windows.go [.]",
            "a/cgo.go [.]",
            "a/legacy.go [.]",
            "a/tagged.go [.]",
            "a/b/b.go [.]",
            "a/dir.go/inside.go [.]",
            "nested/n.go [nested]",
            "nested/deep/d.go [nested]",
        ]
    );
    assert_eq!(walk.modules, [root.clone(), root.join("nested")]);
    let dirs: Vec<String> = walk.dirs.iter().map(|d| rel(&root, &d.dir)).collect();
    assert_eq!(dirs, ["", "a", "a/b", "a/dir.go", "nested", "nested/deep"]);
    let gomod = GoMod::read(&walk.modules[1].join("go.mod")).unwrap();
    assert_eq!(gomod.module, "example.com/nested");
}

#[test]
fn marks_other_platform_files() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let walk = walk(&[root.join("a")]).unwrap();
    let ctx = BuildContext::default();
    let mut built = Vec::new();
    let mut other = Vec::new();
    for (file, _) in walk.files() {
        let constraint = FileConstraint::read(file).unwrap();
        let name = rel(&root, file);
        if constraint.matches(&ctx) {
            built.push(name);
        } else {
            other.push(name);
        }
    }
    assert_eq!(
        built,
        ["a/a.go", "a/a_linux_amd64.go", "a/a_test.go", "a/cgo.go"]
    );
    assert_eq!(other, ["a/a_windows.go", "a/legacy.go", "a/tagged.go"]);
}

#[test]
fn a_directory_is_one_package() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let walk = walk(&[&root]).unwrap();
    assert_eq!(summary(&walk, &root), ["main.go [.]"]);
    let walk = letgo_go::walk::walk(&[root.join("nested")]).unwrap();
    assert_eq!(summary(&walk, &root), ["nested/n.go [nested]"]);
}

#[test]
fn named_paths_override_the_skip_rules() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let walk = walk(&[
        root.join("testdata/t.go"),
        root.join("a/_skip.go"),
        root.join("testdata/sub"),
        root.join("ignored/..."),
        root.join("nested/testdata/..."),
    ])
    .unwrap();
    assert_eq!(
        summary(&walk, &root),
        [
            "a/_skip.go [.]",
            "ignored/i.go [.]",
            "nested/testdata/x.go [nested]",
            "testdata/t.go [.]",
            "testdata/sub/u.go [.]",
        ]
    );
}

#[test]
fn overlapping_arguments_give_each_file_once() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let walk = walk(&[
        root.join("nested/..."),
        root.join("nested"),
        root.join("nested/n.go"),
        root.join("nested/deep/../..."),
    ])
    .unwrap();
    assert_eq!(
        summary(&walk, &root),
        ["nested/n.go [nested]", "nested/deep/d.go [nested]"]
    );
}

#[test]
fn relative_arguments_are_resolved_against_the_current_directory() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let cwd = std::env::current_dir().unwrap();
    let up = "../".repeat(cwd.components().count() - 1);
    let relative = PathBuf::from(up)
        .join(root.strip_prefix("/").unwrap())
        .join("nested/./...");
    let walk = walk(&[relative]).unwrap();
    assert_eq!(
        summary(&walk, &root),
        ["nested/n.go [nested]", "nested/deep/d.go [nested]"]
    );
}

#[test]
fn files_outside_any_module_have_none() {
    let tmp = build_tree(&[("p/p.go", "package p\n"), ("p/q/q.go", "package q\n")]);
    let root = root(&tmp);
    if find_module_root(&root).is_some() {
        eprintln!("skipping: the temporary directory is inside a module");
        return;
    }
    let walk = walk(&[root.join("...")]).unwrap();
    assert!(walk.modules.is_empty());
    assert_eq!(summary(&walk, &root), ["p/p.go [-]", "p/q/q.go [-]"]);
}

#[test]
fn git_repositories_use_their_ignore_rules() {
    let tmp = build_tree(&[
        ("go.mod", "module example.com/g\n"),
        (".git/info/exclude", "excluded/\n"),
        (".gitignore", "gen/\n"),
        ("g.go", "package g\n"),
        ("gen/x.go", "package gen\n"),
        ("excluded/y.go", "package excluded\n"),
        ("kept/z.go", "package kept\n"),
    ]);
    let root = root(&tmp);
    let walk = walk(&[root.join("...")]).unwrap();
    assert_eq!(summary(&walk, &root), ["g.go [.]", "kept/z.go [.]"]);
}

#[test]
fn errors_name_the_argument() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    let message = |arg: PathBuf| walk(&[arg]).unwrap_err().to_string();
    let missing = root.join("missing");
    assert_eq!(
        message(missing.clone()),
        format!("{}: no such file or directory", missing.display())
    );
    let missing_tree = root.join("missing/...");
    assert_eq!(
        message(missing_tree.clone()),
        format!("{}: no such file or directory", missing_tree.display())
    );
    let text = root.join("notes.txt");
    assert_eq!(
        message(text.clone()),
        format!("{}: not a directory or .go file", text.display())
    );
    let file_tree = root.join("main.go/...");
    assert_eq!(
        message(file_tree.clone()),
        format!("{}: not a directory", file_tree.display())
    );
    assert!(message(PathBuf::from("a/.../b")).contains("unsupported pattern"));
}

#[test]
fn finds_module_roots() {
    let tmp = build_tree(TREE);
    let root = root(&tmp);
    assert_eq!(find_module_root(&root.join("a/b")), Some(root.clone()));
    assert_eq!(
        find_module_root(&root.join("nested/deep")),
        Some(root.join("nested"))
    );
    assert_eq!(
        find_module_root(&root.join("nested/deep/../..")),
        Some(root.clone())
    );
    assert_eq!(find_module_root(&root), Some(root.clone()));
}

#[cfg(unix)]
#[test]
fn symlinked_go_files_are_read_but_linked_dirs_are_not_followed() {
    let tmp = build_tree(&[
        ("go.mod", "module example.com/s\n"),
        ("real/r.go", "package real\n"),
    ]);
    let root = root(&tmp);
    std::os::unix::fs::symlink(root.join("real/r.go"), root.join("link.go")).unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("linkdir")).unwrap();
    std::os::unix::fs::symlink(root.join("nowhere.go"), root.join("broken.go")).unwrap();
    let walk = walk(&[root.join("...")]).unwrap();
    assert_eq!(summary(&walk, &root), ["link.go [.]", "real/r.go [.]"]);
}
