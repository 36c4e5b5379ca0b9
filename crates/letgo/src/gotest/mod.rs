//! `letgo test`: runs a Go test suite with a leak check compiled in
//! through `go test -overlay` (see `overlay.rs` and `harness.go`), then
//! reads what the check wrote and reports each leak at its site, blamed on
//! the test that started it.

pub mod args;
mod findings;
mod overlay;
pub mod records;
mod stress;
mod subtests;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::report::Format;
use crate::runtime::findings::Reported;
use crate::runtime::source::SourceTree;
use crate::runtime::static_join::StaticIndex;
use args::TestOptions;
use overlay::{list_packages, write_overlay, ListedPackage};

/// How deep a chain of goroutines the runtime records (each goroutine
/// keeps this many ancestors, and every traceback prints their stacks: the
/// cost of each check grows with it); a leak further from its test is
/// blamed on no test.
const ANCESTORS: u32 = 10;

/// What `letgo test` found.
pub struct TestRun {
    pub reported: Vec<Reported>,
    /// `go test`'s exit status (the first failing run's under `--stress`).
    pub go_status: i32,
    /// Leaked goroutines, over every site.
    pub leaked: usize,
    /// How many times the tests ran (`-count`, or the rounds of
    /// `--stress` up to the first leak), at most, per package.
    pub runs: u32,
}

/// Runs the tests with the check and builds the report.
pub fn run(opts: &TestOptions) -> anyhow::Result<TestRun> {
    let version = go_version(&opts.go)?;
    eprintln!("letgo test: {}", detection(&version, opts));
    let packages = list_packages(&opts.go, &opts.packages, &build_flags(opts))?;
    let work = tempfile::Builder::new()
        .prefix("letgo-test-")
        .tempdir()
        .context("creating a temporary folder")?;
    let listed: Vec<(&Path, &str)> = packages
        .iter()
        .map(|p| (p.dir.as_path(), p.import_path.as_str()))
        .collect();
    let subtests = subtests::Subtests::read(&listed);
    let (overlay, checked) = write_overlay(work.path(), &packages, &subtests)?;
    let records_dir = work.path().join("records");
    std::fs::create_dir_all(&records_dir)?;
    let env = Environment {
        go: &opts.go,
        overlay: &overlay,
        records: &records_dir,
        version: &version,
    };
    // Ctrl-C reaches `go test` too; letgo waits for it, then removes the
    // temporary folder instead of dying with it in place.
    let _ = ctrlc::set_handler(|| {});
    let (go_status, runs) = if opts.stress.is_some() || opts.stress_for.is_some() {
        stress::stress(opts, &env, &checked)?
    } else {
        let mut cmd = env.go_test(opts);
        cmd.args(&opts.packages).args(&opts.go_flags);
        if opts.format != Format::Text {
            // Standard output is the report's.
            cmd.stdout(std::io::stderr());
        }
        let count = opts.go_flag_value("count").and_then(|c| c.parse().ok());
        (status(cmd.status(), &opts.go)?, count.unwrap_or(1))
    };
    let records = records::read_dir(&records_dir)?;
    let root = module_root(&checked);
    let source = root.as_deref().and_then(|r| SourceTree::open(r).ok());
    let user = findings::UserCode {
        modules: checked
            .iter()
            .filter_map(|p| p.module.as_ref()?.path.clone())
            .chain(checked.iter().map(|p| p.import_path.clone()))
            .collect(),
    };
    let mut reported = findings::findings(&records, &subtests, source.as_ref(), &user);
    if let Some(root) = &root {
        StaticIndex::build(root).annotate(&mut reported);
    }
    work.close().context("removing the temporary folder")?;
    Ok(TestRun {
        reported,
        go_status,
        leaked: records.len(),
        runs,
    })
}

/// What every `go test` run shares.
pub(crate) struct Environment<'a> {
    go: &'a str,
    overlay: &'a Path,
    records: &'a Path,
    version: &'a str,
}

impl Environment<'_> {
    /// `go test -overlay ...` with the harness's settings in its
    /// environment; packages and flags are the caller's to add.
    pub(crate) fn go_test(&self, opts: &TestOptions) -> Command {
        let mut cmd = Command::new(self.go);
        cmd.arg("test")
            .arg(format!("-overlay={}", self.overlay.display()));
        if !opts.has_go_flag("count") && opts.stress.is_none() && opts.stress_for.is_none() {
            // A cached result runs no test, so it checks nothing.
            cmd.arg("-count=1");
        }
        if minor_version(self.version).is_some_and(|m| m < 24) && !opts.has_go_flag("vet") {
            // Before Go 1.24 the vet step of `go test` looks for the
            // overlay's new files on disk and fails (golang/go#50044).
            cmd.arg("-vet=off");
        }
        cmd.env("LETGO_LEAKCHECK_DIR", self.records)
            .env(
                "LETGO_LEAKCHECK_SETTLE",
                format!("{}ms", opts.settle.as_millis()),
            )
            .env("LETGO_LEAKCHECK_IGNORE", opts.ignore.join(","))
            .env(
                "LETGO_LEAKCHECK_HANG",
                opts.hang
                    .map_or(String::new(), |d| format!("{}ms", d.as_millis())),
            )
            .env("GODEBUG", godebug(std::env::var("GODEBUG").ok()));
        if self.version.starts_with("go1.26") {
            let old = std::env::var("GOEXPERIMENT").unwrap_or_default();
            let list = if old.is_empty() {
                "goroutineleakprofile".to_string()
            } else {
                format!("{old},goroutineleakprofile")
            };
            cmd.env("GOEXPERIMENT", list);
        }
        cmd
    }
}

/// The user's GODEBUG with the ancestors the blame needs.
fn godebug(existing: Option<String>) -> String {
    match existing.filter(|s| !s.is_empty()) {
        Some(s) if s.contains("tracebackancestors=") => s,
        Some(s) => format!("{s},tracebackancestors={ANCESTORS}"),
        None => format!("tracebackancestors={ANCESTORS}"),
    }
}

fn status(result: std::io::Result<std::process::ExitStatus>, go: &str) -> anyhow::Result<i32> {
    let status = result.with_context(|| format!("running `{go} test`"))?;
    Ok(status.code().unwrap_or(2))
}

/// The flags of `go test` that change which files are in a package.
fn build_flags(opts: &TestOptions) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = opts.go_flags.iter().take_while(|a| *a != "-args");
    while let Some(a) = it.next() {
        let name = a.trim_start_matches('-');
        let (name, inline) = name
            .split_once('=')
            .map_or((name, false), |(n, _)| (n, true));
        match name {
            "tags" | "mod" | "modfile" => {
                out.push(a.clone());
                if !inline {
                    out.extend(it.next().cloned());
                }
            }
            "race" | "msan" | "asan" | "cover" => out.push(a.clone()),
            _ => {}
        }
    }
    out
}

/// `go1.27.3`.
fn go_version(go: &str) -> anyhow::Result<String> {
    let out = Command::new(go)
        .args(["env", "GOVERSION"])
        .output()
        .with_context(|| format!("running `{go} env GOVERSION`: is Go installed?"))?;
    if !out.status.success() {
        anyhow::bail!("`{go} env GOVERSION` failed");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// How leaks are told apart with this toolchain.
fn detection(version: &str, opts: &TestOptions) -> String {
    match minor_version(version) {
        Some(m) if m >= 27 => format!("{version}: the goroutineleak profile proves leaks"),
        Some(26) => format!(
            "{version}: the goroutineleak profile proves leaks (GOEXPERIMENT=goroutineleakprofile)"
        ),
        _ => format!(
            "{version} has no goroutineleak profile: a test's goroutines still there {} after it \
             ends count as leaks (--settle)",
            humantime::format_duration(opts.settle)
        ),
    }
}

/// 22 for `go1.22.10`.
fn minor_version(version: &str) -> Option<u32> {
    let rest = version.strip_prefix("go1.")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The module the first tested package belongs to: its checkout is the
/// source the report shows code from.
fn module_root(packages: &[ListedPackage]) -> Option<PathBuf> {
    packages
        .iter()
        .find_map(|p| p.module.as_ref().and_then(|m| m.dir.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn godebug_keeps_the_users_settings() {
        assert_eq!(godebug(None), "tracebackancestors=10");
        assert_eq!(
            godebug(Some("gctrace=1".into())),
            "gctrace=1,tracebackancestors=10"
        );
        assert_eq!(
            godebug(Some("tracebackancestors=99".into())),
            "tracebackancestors=99"
        );
    }

    #[test]
    fn minor_versions() {
        assert_eq!(minor_version("go1.22.10"), Some(22));
        assert_eq!(minor_version("go1.27rc1"), Some(27));
        assert_eq!(minor_version("devel +abc"), None);
    }

    #[test]
    fn build_flags_are_those_that_pick_files() {
        let opts = args::parse(
            &"-run X -tags a,b -race -count=2 -mod=vendor -args -tags no"
                .split(' ')
                .map(String::from)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(
            build_flags(&opts),
            vec!["-tags", "a,b", "-race", "-mod=vendor"]
        );
    }
}
