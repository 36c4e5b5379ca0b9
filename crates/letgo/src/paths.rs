//! Paths as users see them: relative to the directory letgo was started
//! in when below it, absolute otherwise.

use std::path::{Path, PathBuf};

/// How `path` is shown in output.
pub fn display(path: &Path) -> String {
    // Asked once: reports name thousands of paths.
    static CWD: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// The paths to load: the arguments, or `./...` when there are none.
pub fn args_or_default(paths: &[String]) -> Vec<String> {
    if paths.is_empty() {
        vec!["./...".to_string()]
    } else {
        paths.to_vec()
    }
}
