//! Maps stack frames onto a source checkout (`--source DIR`).
//!
//! Frames carry the file names of the machine that built the binary:
//! absolute build paths (`/home/ci/src/app/internal/x/x.go`), or with
//! `-trimpath` module-qualified ones (`example.com/app/internal/x/x.go`).
//! Both are matched to files below DIR: by the module path of DIR's
//! `go.mod` (the file name, or the function's package path), else by the
//! longest suffix of the path that exists below DIR.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use letgo_go::gomod::GoMod;
use letgo_runtime::frames::package_path;

/// A checkout to show code from.
#[derive(Debug, Clone)]
pub struct SourceTree {
    root: PathBuf,
    module: Option<String>,
}

impl SourceTree {
    /// Opens DIR, reading the module path from its `go.mod` when present.
    pub fn open(dir: &Path) -> anyhow::Result<SourceTree> {
        let shown = crate::paths::display(dir);
        if !dir.is_dir() {
            anyhow::bail!("{shown}: --source expects a directory");
        }
        let go_mod = dir.join("go.mod");
        let module = if go_mod.is_file() {
            let parsed = GoMod::read(&go_mod).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: {}",
                    crate::paths::display(&e.path),
                    e.line,
                    e.message
                )
            })?;
            Some(parsed.module)
        } else {
            None
        };
        let root = dir
            .canonicalize()
            .with_context(|| format!("{shown}: cannot resolve"))?;
        Ok(SourceTree { root, module })
    }

    /// The checkout's root, resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file below the checkout that a frame's `file` (in `function`)
    /// was built from.
    pub fn locate(&self, function: &str, file: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| {
            Path::new(p)
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        }) {
            return None;
        }
        self.by_module(function, file, &parts)
            .or_else(|| self.by_suffix(&parts))
    }

    fn by_module(&self, function: &str, file: &str, parts: &[&str]) -> Option<PathBuf> {
        let module = self.module.as_deref()?;
        if let Some(rest) = file.strip_prefix(module).and_then(|r| r.strip_prefix('/')) {
            let candidate = self.root.join(rest);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        let package = package_path(function);
        let dir = if package == module {
            ""
        } else {
            package.strip_prefix(module)?.strip_prefix('/')?
        };
        let candidate = self.root.join(dir).join(parts.last()?);
        candidate.is_file().then_some(candidate)
    }

    fn by_suffix(&self, parts: &[&str]) -> Option<PathBuf> {
        (0..parts.len()).find_map(|i| {
            let candidate = parts[i..].iter().fold(self.root.clone(), |p, s| p.join(s));
            candidate.is_file().then_some(candidate)
        })
    }
}

/// Lines `line - around ..= line + around` of `path`, numbered; `None` when
/// the file cannot be read or is shorter than `line`.
pub fn code_frame(path: &Path, line: u32, around: u32) -> Option<Vec<(u32, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    let first = line.saturating_sub(around).max(1);
    let lines: Vec<(u32, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l.to_string()))
        .filter(|(n, _)| (first..=line + around).contains(n))
        .collect();
    lines.iter().any(|(n, _)| *n == line).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempdir::Dir, SourceTree) {
        let dir = tempdir::Dir::new();
        std::fs::write(
            dir.path().join("go.mod"),
            "module example.com/app\n\ngo 1.22\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("internal/fetch")).unwrap();
        std::fs::write(
            dir.path().join("internal/fetch/fetch.go"),
            "package fetch\n\nfunc F() {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("main.go"), "package main\n").unwrap();
        let tree = SourceTree::open(dir.path()).unwrap();
        (dir, tree)
    }

    #[test]
    fn maps_build_paths_trimpath_and_module_names() {
        let (dir, tree) = tree();
        let want = dir
            .path()
            .canonicalize()
            .unwrap()
            .join("internal/fetch/fetch.go");
        let f = "example.com/app/internal/fetch.F";
        assert_eq!(
            tree.locate(f, "/home/ci/app/internal/fetch/fetch.go"),
            Some(want.clone())
        );
        assert_eq!(
            tree.locate(f, "example.com/app/internal/fetch/fetch.go"),
            Some(want.clone())
        );
        assert_eq!(tree.locate(f, "/elsewhere/fetch.go"), Some(want));
        let main = dir.path().canonicalize().unwrap().join("main.go");
        assert_eq!(tree.locate("main.main", "/build/x/main.go"), Some(main));
        assert_eq!(tree.locate("main.f", "/build/x/other.go"), None);
        assert_eq!(tree.locate("main.f", "/build/../main.go"), None);
    }

    #[test]
    fn code_frames() {
        let (dir, _) = tree();
        let path = dir.path().join("internal/fetch/fetch.go");
        let frame = code_frame(&path, 3, 1).unwrap();
        assert_eq!(
            frame,
            vec![(2, String::new()), (3, "func F() {}".to_string())]
        );
        assert!(code_frame(&path, 9, 1).is_none());
    }

    /// A temporary directory removed on drop (no crate needed for tests).
    mod tempdir {
        use std::path::{Path, PathBuf};

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let path =
                    std::env::temp_dir().join(format!("letgo-source-{}-{n}", std::process::id()));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }

            pub fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
