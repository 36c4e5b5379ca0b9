//! Helpers shared by the tests that need the Go toolchain.
#![allow(dead_code, unused_imports)]

pub use letgo_testkit::{go_binary, goroot, workspace_root};

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every regular `.go` file under `dir`, sorted.
pub fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() && path.extension().is_some_and(|e| e == "go") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Builds `tools/goastdump` into `dir` and returns the binary's path.
pub fn build_goastdump(go: &Path, dir: &Path) -> PathBuf {
    let bin = dir.join("goastdump");
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(workspace_root().join("tools/goastdump"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .status()
        .unwrap();
    assert!(status.success(), "building goastdump failed");
    bin
}

/// Maps `f` over `items` on all cores, keeping the order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .stack_size(letgo_go::PARSE_STACK_SIZE)
                    .spawn_scoped(s, || part.iter().map(&f).collect::<Vec<R>>())
                    .unwrap()
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
