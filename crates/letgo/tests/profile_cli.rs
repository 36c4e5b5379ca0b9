//! `letgo profile` and `letgo diff` on the profiles of a real leaky Go
//! program (`crates/letgo_runtime/tests/fixtures/leaky`), from files and
//! from its live `/debug/pprof/` endpoint.

#[path = "../../letgo_runtime/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn letgo(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run letgo")
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| p.display().to_string()).collect()
}

/// `(code, function)` of every finding in a JSON report.
fn findings(output: &Output) -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(c, f)| (c.to_string(), f.to_string()))
        .collect()
}

const SENDER: &str = "example.com/leaky/internal/fetch.WithTimeout.func1";

#[test]
fn profile_reports_each_leak_with_its_code() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let mut args = vec!["profile".to_string()];
    args.extend(paths(&run.series("goroutine", ".txt")));
    let leak = run.file("goroutineleak.pb.gz");
    let proven = leak.exists();
    if proven {
        args.push(leak.display().to_string());
    }
    args.extend(paths(&run.series("heap", ".pb.gz")));
    args.extend(["--format", "json", "--source", "."].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = letgo(&args, &common::fixture_dir());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let leak_code = if proven { "LG501" } else { "LG502" };
    assert_eq!(
        findings(&out),
        set(&[
            (leak_code, SENDER),
            (leak_code, "main.leakReceive.func1"),
            ("LG502", "main.startTicker.func1"),
            ("LG502", "main.waitForever"),
            ("LG503", "main.handleSession"),
            ("LG504", "-"),
        ])
    );
    // With --source, files are the checkout's, relative to the cwd.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sender = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == SENDER)
        .unwrap();
    assert_eq!(sender["file"], "internal/fetch/fetch.go");
    assert_eq!(
        sender["evidence"]["counts"].as_array().unwrap().len(),
        common::PHASES
    );
}

#[test]
fn text_output_is_a_triage_list_with_code() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let mut args = vec!["profile".to_string()];
    args.extend(paths(&run.series("goroutine", ".pb.gz")));
    args.extend(["--source".to_string(), ".".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = letgo(&args, &common::fixture_dir());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("internal/fetch/fetch.go:16:1: LG502"),
        "{text}"
    );
    assert!(text.contains(">    16 | \t\tch <- work()"), "{text}");
    assert!(
        text.contains("counts per snapshot: 20 → 40 → 60 → 80 → 100 → 120"),
        "{text}"
    );
}

#[test]
fn one_snapshot_of_a_few_blocked_goroutines_is_clean() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let file = run.file("goroutine-1.txt").display().to_string();
    let out = letgo(&["profile", &file], &common::fixture_dir());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn diff_ranks_heap_growth_and_writes_a_profile_pprof_opens() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let out_pprof = run.profiles.join("diff.pb.gz");
    let (base, new) = (run.file("heap-1.pb.gz"), run.file("heap-6.pb.gz"));
    let out = letgo(
        &[
            "diff",
            &base.display().to_string(),
            &new.display().to_string(),
            "--format",
            "json",
            "--write-pprof",
            &out_pprof.display().to_string(),
        ],
        &run.profiles,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out), set(&[("LG503", "main.handleSession")]));
    let top = common::go_command(&run.go)
        .args(["tool", "pprof", "-top", "-sample_index=inuse_space"])
        .arg(&out_pprof)
        .output()
        .unwrap();
    let top_text = String::from_utf8_lossy(&top.stdout);
    assert!(
        top.status.success(),
        "{}",
        String::from_utf8_lossy(&top.stderr)
    );
    let first = top_text
        .lines()
        .find(|l| l.contains("main."))
        .unwrap_or_default();
    assert!(first.ends_with("main.handleSession"), "{top_text}");
}

#[test]
fn profile_reads_a_live_endpoint() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let dir = run.profiles.join("live");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(&run.binary)
        .args(["-phases", "1", "-serve", "-out"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let out = letgo(&["profile", &url, "--format", "json"], &dir);
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    let proven = run.file("goroutineleak.pb.gz").exists();
    let found = findings(&out);
    if proven {
        assert_eq!(out.status.code(), Some(1));
        assert!(
            found.contains(&("LG501".into(), SENDER.into())),
            "{found:?}"
        );
        assert!(found.iter().all(|(code, _)| code == "LG501"), "{found:?}");
    } else {
        assert_eq!(out.status.code(), Some(0), "{found:?}");
    }
}

#[test]
fn bad_inputs_exit_2_naming_the_file_and_offset() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let whole = std::fs::read(run.file("goroutine-1.pb.gz")).unwrap();
    let cut = run.profiles.join("cut.pb.gz");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let out = letgo(&["profile", "cut.pb.gz"], &run.profiles);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("letgo: cut.pb.gz: byte"), "{err}");
    let out = letgo(&["diff", "goroutine-1.txt", "heap-1.pb.gz"], &run.profiles);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected two heap profiles"));
}

#[test]
fn the_decode_cap_stops_gzip_and_lets_a_plain_dump_stream() {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../letgo_pprof/tests/fixtures/go1.27");
    let capped = ["--max-decoded-mib", "0"];
    let out = letgo(
        &[&["profile", "goroutine.pb.gz"][..], &capped].concat(),
        &fixtures,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("goroutine.pb.gz: byte 0: input too large"),
        "{err}"
    );
    let out = letgo(
        &[&["profile", "goroutine.debug2.txt"][..], &capped].concat(),
        &fixtures,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    assert!(err.contains("goroutines)"), "{err}");
}

/// With `--source`, the goroutines leaked by `fetch.WithTimeout.func1`
/// join the static LG103 finding at the send they are blocked on, fix
/// included.
#[test]
fn source_joins_the_static_finding_and_its_fix() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let mut args = vec!["profile".to_string()];
    args.extend(paths(&run.series("goroutine", ".pb.gz")));
    args.extend(["--source", ".", "--format", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = letgo(&args, &common::fixture_dir());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let sender = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == SENDER)
        .expect("the blocked sender is reported");
    let statics = sender["evidence"]["static_findings"]
        .as_array()
        .expect("static findings joined");
    let lg103 = statics
        .iter()
        .find(|s| s["code"] == "LG103")
        .expect("LG103 joined");
    assert_eq!(lg103["file"], "internal/fetch/fetch.go");
    // The sender blocks on the send, the line LG103 points at.
    assert_eq!(sender["evidence"]["static_join"], "line", "{sender}");
    assert_eq!(lg103["line"], sender["line"]);
    assert_eq!(lg103["function"], SENDER);
    assert_eq!(lg103["fix"]["applicability"], "safe");
    assert!(lg103["fix"]["edits"][0]["content"]
        .as_str()
        .unwrap()
        .starts_with("make(chan "));
}

/// A goroutine profile of `stacks` distinct stacks, each with 100 + i
/// goroutines blocked in a channel receive (a parked pile-up each), written to
/// `dir/many.pb.gz`.
fn many_pileups(dir: &Path, stacks: i64) -> String {
    let mut b = letgo_pprof::ProfileBuilder::new(&[("goroutine", "count")]);
    let frame = |function, line| letgo_pprof::BuildFrame {
        function,
        file: "/src/main.go",
        line,
    };
    for i in 0..stacks {
        let frames = [
            frame("runtime.gopark", 1),
            frame("runtime.chanrecv1", 2),
            frame("main.wait", 10 + i),
            frame("main.main", 5),
        ];
        b.add_sample(&frames, vec![100 + i], &[]);
    }
    let bytes = b.build("many").expect("valid profile").encode_gzip();
    std::fs::write(dir.join("many.pb.gz"), bytes).expect("write profile");
    "many.pb.gz".into()
}

#[test]
fn text_details_the_top_findings_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = many_pileups(dir.path(), 15);
    let headers = |out: &Output| {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // Detailed entries (a summary row at the top names each too).
        let count = text
            .lines()
            .filter(|l| l.starts_with("/src/") && l.contains(" LG505 "))
            .count();
        (out.status.code(), count, text)
    };
    let (code, shown, text) = headers(&letgo(&["profile", &file], dir.path()));
    // Flat pile-ups are parked (info): shown, not failed on.
    assert_eq!((code, shown), (Some(0), 10), "{text}");
    // The largest first; the five smallest (100..=104 goroutines) counted.
    assert!(
        text.starts_with("summary: 10 finding(s)\n  LG505  114 goroutines parked"),
        "{text}"
    );
    assert!(
        text.contains("\n\n/src/main.go:24:1: LG505 114 goroutines parked"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "… and 5 more goroutine findings (510 goroutines), ranked below those above: \
             --all or --limit N shows them\n"
        ),
        "{text}"
    );
    let (code, shown, text) = headers(&letgo(&["profile", &file, "--limit", "0"], dir.path()));
    assert_eq!((code, shown), (Some(0), 0), "{text}");
    assert!(
        text.starts_with("… and 15 more goroutine findings"),
        "{text}"
    );
    let (_, shown, text) = headers(&letgo(&["profile", &file, "--all"], dir.path()));
    assert_eq!(shown, 15, "{text}");
    assert!(!text.contains("more goroutine findings"), "{text}");
    let json = letgo(&["profile", &file, "--format", "json"], dir.path());
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON output");
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(15));
}
