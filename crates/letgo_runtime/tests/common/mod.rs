//! Builds and runs the leaky Go program in `tests/fixtures/leaky` once per
//! test binary, and hands its profiles to the tests. Shared with the
//! `letgo` crate's command-line tests (included by path).
#![allow(dead_code, unused_imports)]

pub use letgo_testkit::{go_binary, go_command};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Phases the program runs; one snapshot of each kind after each.
pub const PHASES: usize = 6;

/// The program's source.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../letgo_runtime/tests/fixtures/leaky")
        .canonicalize()
        .expect("the leaky fixture exists")
}

/// The program's run: its binary and the profiles it wrote.
pub struct LeakyRun {
    pub go: PathBuf,
    pub binary: PathBuf,
    pub profiles: PathBuf,
}

impl LeakyRun {
    /// A profile written by the run, e.g. `goroutine-3.txt`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.profiles.join(name)
    }

    /// `prefix-1suffix` … `prefix-PHASESsuffix`.
    pub fn series(&self, prefix: &str, suffix: &str) -> Vec<PathBuf> {
        (1..=PHASES)
            .map(|i| self.file(&format!("{prefix}-{i}{suffix}")))
            .collect()
    }
}

/// Builds and runs the program once; `None` when Go is missing.
pub fn leaky_run() -> Option<&'static LeakyRun> {
    static RUN: OnceLock<Option<LeakyRun>> = OnceLock::new();
    RUN.get_or_init(|| {
        let go = go_binary()?;
        let work =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("leaky-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        let profiles = work.join("profiles");
        std::fs::create_dir_all(&profiles).expect("create the profile directory");
        let binary = work.join("leaky");
        let status = go_command(&go)
            .args(["build", "-o"])
            .arg(&binary)
            .arg(".")
            .current_dir(fixture_dir())
            .status()
            .expect("run go build");
        assert!(status.success(), "building the leaky fixture failed");
        let status = Command::new(&binary)
            .arg("-out")
            .arg(&profiles)
            .arg("-phases")
            .arg(PHASES.to_string())
            .status()
            .expect("run the leaky fixture");
        assert!(status.success(), "the leaky fixture failed");
        Some(LeakyRun {
            go,
            binary,
            profiles,
        })
    })
    .as_ref()
}
