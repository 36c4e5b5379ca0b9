//! The model printed in the differential dump format that
//! `tools/gotypesdump` prints for go/types:
//!
//! ```text
//! package <importpath>
//! file <path relative to GOROOT/src>
//! I <offset> <name> <kind> <decl>
//! T <start> <end> <node> <mode> <type>
//! ```

use crate::check::Checker;
use crate::model::{Mode, ObjId, PkgId};
use crate::nodes::node_name;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Every package of GOROOT/src, checked and dumped, in import path order.
pub fn dump_goroot(goroot: &Path) -> String {
    let dirs = package_dirs(&goroot.join("src"));
    dump_dirs(goroot, &dirs)
}

/// The packages of a module (folders relative to its root; every package
/// below it when `dirs` is empty), imports resolved as `letgo check`
/// resolves them (vendor folder, module cache, GOROOT).
pub fn dump_module(goroot: &Path, root: &Path, dirs: &[&str]) -> String {
    let mut c = Checker::new(goroot.to_path_buf());
    c.modules = crate::modules::ModuleRoot::read(root).into_iter().collect();
    c.modcache = crate::modules::find_modcache();
    let dirs: Vec<PathBuf> = if dirs.is_empty() {
        // As `go list ./...`: no vendor folder at any depth, nothing at or
        // below a nested module.
        package_dirs(root)
            .into_iter()
            .filter(|d| {
                let rel = d.strip_prefix(root).unwrap_or(d);
                let vendored = rel.components().any(|c| c.as_os_str() == "vendor");
                let nested = rel
                    .ancestors()
                    .filter(|a| !a.as_os_str().is_empty())
                    .any(|a| root.join(a).join("go.mod").is_file());
                !vendored && !nested
            })
            .collect()
    } else {
        dirs.iter().map(|d| root.join(d)).collect()
    };
    let pkgs = check_loaded(&mut c, &dirs);
    write_all(&c, pkgs)
}

/// The packages at the given import paths (relative to GOROOT/src).
pub fn dump_packages(goroot: &Path, paths: &[&str]) -> String {
    let dirs: Vec<PathBuf> = paths.iter().map(|p| goroot.join("src").join(p)).collect();
    dump_dirs(goroot, &dirs)
}

/// Loads and checks every package of GOROOT/src (what the dump prints).
pub fn check_goroot(goroot: &Path) -> Checker {
    let dirs = package_dirs(&goroot.join("src"));
    check_dirs(goroot, &dirs).0
}

fn check_dirs(goroot: &Path, dirs: &[PathBuf]) -> (Checker, Vec<PkgId>) {
    let mut c = Checker::new(goroot.to_path_buf());
    let pkgs = check_loaded(&mut c, dirs);
    (c, pkgs)
}

fn check_loaded(c: &mut Checker, dirs: &[PathBuf]) -> Vec<PkgId> {
    let mut pkgs: Vec<PkgId> = Vec::new();
    for d in dirs {
        if let Some(p) = c.load_dir(d) {
            if !pkgs.contains(&p) {
                pkgs.push(p);
            }
        }
    }
    for &p in &pkgs {
        c.m.packages[p.0 as usize].bodies = true;
        c.check_package(p);
    }
    pkgs
}

fn dump_dirs(goroot: &Path, dirs: &[PathBuf]) -> String {
    let (c, pkgs) = check_dirs(goroot, dirs);
    write_all(&c, pkgs)
}

fn write_all(c: &Checker, mut pkgs: Vec<PkgId>) -> String {
    pkgs.sort_by(|a, b| {
        c.m.packages[a.0 as usize]
            .path
            .cmp(&c.m.packages[b.0 as usize].path)
    });
    let mut out = String::new();
    for p in pkgs {
        write_package(c, p, &mut out);
    }
    out
}

fn write_package(c: &Checker, p: PkgId, out: &mut String) {
    let pkg = &c.m.packages[p.0 as usize];
    let _ = writeln!(out, "package {}", pkg.path);
    let mut files = pkg.files.clone();
    files.sort_by(|a, b| {
        c.m.files[a.0 as usize]
            .display
            .cmp(&c.m.files[b.0 as usize].display)
    });
    for f in files {
        let file = &c.m.files[f.0 as usize];
        let _ = writeln!(out, "file {}", file.display);
        let rec = &c.m.records[f.0 as usize];
        let mut lines: Vec<(SortKey, String)> = Vec::new();
        let mut uses = rec.uses.clone();
        uses.sort();
        uses.dedup_by_key(|u| u.0);
        for (off, o) in uses {
            let obj = c.m.obj(o);
            let line = format!(
                "I {} {} {} {}",
                off,
                obj.name,
                obj.kind.word(),
                decl_of(c, o)
            );
            lines.push((
                (off, std::cmp::Reverse(off + obj.name.len() as u32), b'I'),
                line,
            ));
        }
        for (&(start, end, node), &(mode, t)) in &rec.types {
            if matches!(mode, Mode::Invalid | Mode::NoValue | Mode::Builtin(_)) || t == c.m.invalid
            {
                continue;
            }
            let line = format!(
                "T {} {} {} {} {}",
                start,
                end,
                node_name(node),
                mode.word(),
                c.m.type_string(t).replace('\n', "\\n")
            );
            lines.push(((start, std::cmp::Reverse(end), b'T'), line));
        }
        lines.sort();
        for (_, l) in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

/// Lines sort by start, then end descending, then `I` before `T`.
type SortKey = (u32, std::cmp::Reverse<u32>, u8);

fn decl_of(c: &Checker, o: ObjId) -> String {
    let obj = c.m.obj(o);
    if let Some(p) = obj.imported {
        return c.m.packages[p.0 as usize].path.clone();
    }
    match (obj.pos, obj.pkg) {
        (Some((f, off)), _) => format!("{}:{}", c.m.files[f.0 as usize].display, off),
        (None, None) => "universe".to_string(),
        (None, Some(p)) => c.m.packages[p.0 as usize].path.clone(),
    }
}

/// Every directory below `src` holding Go files, skipping `testdata` and
/// names starting with `.` or `_`.
pub fn package_dirs(src: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut has_go = false;
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if name != "testdata" && !name.starts_with(['.', '_']) {
                    stack.push(p);
                }
            } else if name.ends_with(".go") && !name.ends_with("_test.go") {
                has_go = true;
            }
        }
        if has_go {
            out.push(d);
        }
    }
    out.sort();
    out
}
