//! `--stress N` / `--stress-for D`: for leaks that need a rare schedule,
//! each package's tests run again and again in one test binary
//! (`-count`, with `-failfast` so that the first leak, a failed test,
//! stops it): N rounds, or rounds in batches of growing size until the
//! time is up. Only the last `go test` output of each package is shown.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Instant;

use anyhow::Context;

use super::args::TestOptions;
use super::overlay::ListedPackage;
use super::records;
use super::Environment;
use crate::report::Format;

/// The first batch of `--stress-for`; each next one is twice as large.
const FIRST_BATCH: u32 = 10;
/// The largest batch: a leak found late costs at most this many rounds.
const MAX_BATCH: u32 = 1000;

/// Returns `go test`'s status (the first failure's) and the most rounds
/// any package ran.
pub fn stress(
    opts: &TestOptions,
    env: &Environment,
    packages: &[ListedPackage],
) -> anyhow::Result<(i32, u32)> {
    let mut status = 0;
    let mut most = 0;
    for pkg in packages {
        let (out, rounds) = stress_package(opts, env, pkg)?;
        if opts.format == Format::Text {
            std::io::stdout().write_all(&out.stdout)?;
        } else {
            std::io::stderr().write_all(&out.stdout)?;
        }
        std::io::stderr().write_all(&out.stderr)?;
        eprintln!("letgo test: {}: {rounds} round(s)", pkg.import_path);
        most = most.max(rounds);
        if status == 0 {
            status = out.status.code().unwrap_or(2);
        }
    }
    Ok((status, most))
}

/// Runs one package until a leak or a failure or the end; returns the
/// last output and the rounds run.
fn stress_package(
    opts: &TestOptions,
    env: &Environment,
    pkg: &ListedPackage,
) -> anyhow::Result<(Output, u32)> {
    let start = Instant::now();
    let mut rounds = 0;
    let mut batch = FIRST_BATCH;
    loop {
        let count = match opts.stress {
            Some(n) => n,
            None => batch,
        };
        let before = records::read_dir(env.records)?.len();
        let mut cmd = env.go_test(opts);
        cmd.arg(format!("-count={count}"))
            .arg("-failfast")
            .args(&opts.go_flags)
            .arg(&pkg.import_path);
        if let Some(dir) = pkg.module.as_ref().and_then(|m| m.dir.clone()) {
            cmd.current_dir(dir);
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running `{} test`", opts.go))?;
        let found = records::read_dir(env.records)?;
        let new = &found[before.min(found.len())..];
        if let Some(round) = new.iter().map(|r| r.run).max() {
            return Ok((out, rounds + round));
        }
        rounds += count;
        let time_up = opts.stress_for.is_none_or(|d| start.elapsed() >= d);
        if !out.status.success() || opts.stress.is_some() || time_up {
            return Ok((out, rounds));
        }
        batch = (batch * 2).min(MAX_BATCH);
    }
}
