//! Helpers shared by the model's integration tests.

use letgo_types::Semantic;
use std::path::PathBuf;

/// Writes `files` (path, text) into a new module `example.com/m` and
/// builds the model over every folder holding a Go file.
pub fn model_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Semantic) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/m\n\ngo 1.22\n",
    )
    .unwrap();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        let d = p.parent().unwrap().to_path_buf();
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    let root = dir.path().to_path_buf();
    let s = Semantic::build(&dirs, &[root]);
    (dir, s)
}
