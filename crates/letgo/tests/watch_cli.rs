//! `letgo watch` end to end against a real Go service kept in the repo
//! (`tests/fixtures/watched`): every leaking endpoint is reported and no
//! control is; a target killed and restarted mid-run loses no sample taken
//! before the crash and still gets a report. Skipped with a message when
//! the Go toolchain is missing, unless `LETGO_REQUIRE_GO` is set.

#[path = "../../letgo_runtime/tests/common/mod.rs"]
mod common;

#[path = "common/service.rs"]
mod service;

use service::{Load, Service};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const LEAKS: [&str; 4] = [
    "main.rememberSession",
    "main.fetchWithTimeout.func1",
    "main.waitForReply.func1",
    "main.lockLater.func1",
];

/// Functions of the controls: none may be named by a finding.
const CONTROLS: [&str; 7] = [
    "main.cacheRecent",
    "main.submitJob",
    "main.startPool.func1",
    "main.useScratch",
    "main.computeAsync",
    "main.computeAsync.func1",
    "main.(*lru).put",
];

const PATHS: &[&str] = &[
    "/leak/session",
    "/leak/sender",
    "/leak/receiver",
    "/leak/locked",
    "/ok/lru",
    "/ok/pool",
    "/ok/scratch",
    "/ok/finish",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/watched")
}

/// Builds the service once per test binary; `None` when Go is missing.
fn service_binary() -> Option<&'static PathBuf> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let go = common::go_binary()?;
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watched-service");
            Some(letgo_testkit::go_build(&go, &fixture(), &out))
        })
        .as_ref()
}

fn letgo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .output()
        .expect("run letgo")
}

/// `(code, function)` of every finding in a JSON report.
fn findings(stdout: &[u8]) -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_slice(stdout).expect("JSON output");
    doc["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn records(run: &Path) -> Vec<Value> {
    std::fs::read_to_string(run.join("samples.jsonl"))
        .expect("samples.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn is_complete(record: &Value) -> bool {
    let endpoints: Vec<&str> = record["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["endpoint"].as_str())
        .collect();
    endpoints.contains(&"heap") && endpoints.contains(&"goroutine")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_leak_is_reported_and_no_control_is() {
    let Some(binary) = service_binary() else {
        return;
    };
    let service = Service::start(binary, &["-addr", "127.0.0.1:0"]);
    let load = Load::start(&service.addr, PATHS, Duration::from_millis(1));
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let html = dir.path().join("report.html");
    let source = fixture().display().to_string();
    let started = Instant::now();
    let out = letgo(&[
        "watch",
        &service.url(),
        "--every",
        "250ms",
        "--samples",
        "12",
        "--gc",
        "--format",
        "json",
        "--out",
        run.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--source",
        &source,
    ]);
    let elapsed = started.elapsed();
    assert!(load.finish() > 100, "the load loop reached the service");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Never more often than --every: 12 samples take at least 11 intervals.
    assert!(elapsed >= Duration::from_millis(11 * 250), "{elapsed:?}");
    let found = findings(&out.stdout);
    let functions: BTreeSet<&str> = found.iter().map(|(_, f)| f.as_str()).collect();
    for leak in LEAKS {
        assert!(functions.contains(leak), "{leak} not reported: {found:?}");
    }
    for control in CONTROLS {
        assert!(
            !functions.contains(control),
            "{control} reported: {found:?}"
        );
    }
    assert!(found.contains(&("LG503".into(), "main.rememberSession".into())));
    // Each finding was said as it was found, before the final report.
    let err = stderr(&out);
    let live = err
        .find("letgo: found after sample")
        .unwrap_or_else(|| panic!("nothing said while sampling: {err}"));
    let summary = err.find(" sample(s), ").expect("the summary line");
    assert!(live < summary, "{err}");
    assert!(
        err[..summary].contains("main.rememberSession"),
        "the heap leak was announced live: {err}"
    );
    let records = records(&run);
    assert_eq!(records.len(), 12);
    assert!(records.iter().all(is_complete), "{records:?}");
    // Each stored sample opens again, offline, to the same findings.
    let resumed = letgo(&[
        "watch",
        "--resume",
        run.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(findings(&resumed.stdout), found, "{}", stderr(&resumed));
    let profiled = letgo(&["profile", run.to_str().unwrap(), "--format", "json"]);
    assert_eq!(findings(&profiled.stdout), found, "{}", stderr(&profiled));
    // --source joins the static finding at the sender's blocked line.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sender = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "main.fetchWithTimeout.func1")
        .unwrap();
    assert_eq!(
        sender["evidence"]["static_findings"][0]["code"], "LG103",
        "{sender}"
    );
    // At the very line the sender is blocked on.
    assert_eq!(sender["evidence"]["static_join"], "line", "{sender}");
    assert_eq!(
        sender["evidence"]["static_findings"][0]["line"],
        sender["line"]
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("static: LG103"), "the page shows it too");
    assert!(page.contains("rememberSession"), "the page names the leak");
    assert!(
        page.contains("class=\"code-frame\""),
        "--source adds code frames"
    );
}

#[test]
fn a_target_restarted_mid_run_loses_no_sample_and_still_gets_a_report() {
    let Some(binary) = service_binary() else {
        return;
    };
    let first = Service::start(binary, &["-addr", "127.0.0.1:0"]);
    let addr = first.addr.clone();
    let load = Load::start(&addr, PATHS, Duration::from_millis(1));
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let watch = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["watch", &first.url(), "--every", "250ms", "--samples", "16"])
        .args(["--gc", "--format", "json", "--out"])
        .arg(&run)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start letgo watch");
    std::thread::sleep(Duration::from_millis(1600));
    drop(first);
    let killed_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    std::thread::sleep(Duration::from_millis(600));
    let _second = Service::start(binary, &["-addr", &addr]);
    let out = watch.wait_with_output().expect("letgo watch ends");
    load.finish();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = records(&run);
    assert_eq!(records.len(), 16, "one line per sample, failed ones too");
    let before: Vec<&Value> = records
        .iter()
        .filter(|r| r["unix_ms"].as_u64().unwrap() + 300 < killed_ms)
        .collect();
    assert!(before.len() >= 4, "{records:?}");
    for r in &before {
        assert!(is_complete(r), "sample before the crash lost: {r}");
        for p in r["profiles"].as_array().unwrap() {
            assert!(run.join(p["file"].as_str().unwrap()).is_file(), "{p}");
        }
    }
    let restarts = records.iter().filter(|r| r["restarted"] == true).count();
    assert_eq!(restarts, 1, "{records:?}");
    assert!(
        stderr(&out).contains("1 restart(s) of the target"),
        "{}",
        stderr(&out)
    );
    let found = findings(&out.stdout);
    assert!(
        found.contains(&("LG503".into(), "main.rememberSession".into())),
        "{found:?}"
    );
}

#[test]
fn ctrl_c_ends_sampling_and_still_writes_the_report() {
    let Some(binary) = service_binary() else {
        return;
    };
    let service = Service::start(binary, &["-addr", "127.0.0.1:0"]);
    let load = Load::start(&service.addr, PATHS, Duration::from_millis(1));
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let html = dir.path().join("report.html");
    let watch = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args([
            "watch",
            &service.url(),
            "--every",
            "200ms",
            "--format",
            "json",
        ])
        .arg("--out")
        .arg(&run)
        .arg("--html")
        .arg(&html)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start letgo watch");
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &watch.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let started = Instant::now();
    let out = watch.wait_with_output().expect("letgo watch ends");
    load.finish();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly"
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exits with a report, not killed: {:?} {}",
        out.status,
        stderr(&out)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("the JSON report");
    assert!(doc["findings"].is_array());
    let records = records(&run);
    assert!(records.len() >= 4, "{records:?}");
    assert!(run.join("report.json").is_file() && html.is_file());
}
