//! Goroutine verdicts without Go's leak profile, on a real program
//! (`tests/fixtures/parked`): a rising count (leaked senders) and waits
//! nothing can end (a nil channel, `select {}`) are suspects (LG502);
//! an idle pool of 200, 150 pipe readers and 150 WaitGroup waiters that
//! stay flat are parked (LG505, info), never leaks. Skipped when Go is
//! missing, unless `LETGO_REQUIRE_GO`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use letgo_testkit::{go_binary, go_build};
use serde_json::Value;

fn letgo(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run letgo")
}

/// function → (code, confidence) of every group finding.
fn verdicts(out: &Output) -> BTreeMap<String, (String, String)> {
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["function"].is_string())
        .map(|f| {
            let confidence = f["evidence"]["confidence"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (
                f["function"].as_str().unwrap().to_string(),
                (f["code"].as_str().unwrap().to_string(), confidence),
            )
        })
        .collect()
}

/// Builds and runs the fixture in `dir`; false when Go is missing.
fn run_fixture(dir: &Path) -> bool {
    let Some(go) = go_binary() else {
        return false;
    };
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parked");
    let binary = go_build(&go, &fixture, &dir.join("parked"));
    let ran = Command::new(&binary)
        .arg("-out")
        .arg(dir)
        .status()
        .expect("run parked");
    assert!(ran.success());
    true
}

#[test]
fn flat_idle_groups_are_parked_and_leaks_are_suspects() {
    let dir = tempfile::tempdir().unwrap();
    if !run_fixture(dir.path()) {
        return;
    }
    let dumps: Vec<String> = (1..=4).map(|n| format!("goroutine-{n}.txt")).collect();
    let mut args = vec!["profile", "--format", "json"];
    args.extend(dumps.iter().map(String::as_str));
    let out = letgo(&args, dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let found = verdicts(&out);
    let code = |f: &str| found.get(f).map(|(c, _)| c.as_str());
    let confidence = |f: &str| found.get(f).map_or("", |(_, c)| c.as_str());
    assert_eq!(code("main.leakSender.func1"), Some("LG502"), "{found:?}");
    assert!(confidence("main.leakSender.func1").contains("from the trend"));
    for stuck in ["main.receiveFromNil", "main.selectNothing"] {
        assert_eq!(code(stuck), Some("LG502"), "{stuck}: {found:?}");
        assert!(confidence(stuck).starts_with("certain"), "{found:?}");
    }
    for idle in [
        "main.startPool.func1",
        "main.startPipeReaders.func1",
        "main.startWaiters.func1",
    ] {
        assert_eq!(code(idle), Some("LG505"), "{idle}: {found:?}");
    }
    let said = err
        .matches("no goroutineleak profile among the inputs")
        .count();
    assert_eq!(said, 1, "{err}");
    assert!(err.contains("GOEXPERIMENT=goroutineleakprofile"), "{err}");
}

/// The same four moments read from the dump, the debug=1 text and the
/// protobuf profile: the leak found by its trend is found in all three,
/// no idle group is called a leak in any, and a format that finds less
/// says what it cannot tell.
#[test]
fn the_formats_of_one_moment_agree_or_say_why_not() {
    let dir = tempfile::tempdir().unwrap();
    if !run_fixture(dir.path()) {
        return;
    }
    let mut by_format = Vec::new();
    for ext in ["txt", "debug1", "pb.gz"] {
        let files: Vec<String> = (1..=4).map(|n| format!("goroutine-{n}.{ext}")).collect();
        let mut args = vec!["profile", "--format", "json"];
        args.extend(files.iter().map(String::as_str));
        let out = letgo(&args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let found = verdicts(&out);
        assert_eq!(
            found.get("main.leakSender.func1").map(|(c, _)| c.as_str()),
            Some("LG502"),
            "{ext}: {found:?}"
        );
        for idle in [
            "main.startPool.func1",
            "main.startPipeReaders.func1",
            "main.startWaiters.func1",
        ] {
            assert_ne!(
                found.get(idle).map(|(c, _)| c.as_str()),
                Some("LG502"),
                "{ext}: {idle}"
            );
        }
        by_format.push((ext, found, err));
    }
    let (_, dump, _) = &by_format[0];
    for (ext, found, err) in &by_format[1..] {
        let missing: Vec<&String> = dump
            .iter()
            .filter(|(f, (code, _))| code == "LG502" && found.get(*f).map(|(c, _)| c) != Some(code))
            .map(|(f, _)| f)
            .collect();
        if !missing.is_empty() {
            assert!(
                err.contains("cannot be told") || err.contains("is seen only in a debug=2 dump"),
                "{ext} misses {missing:?} without saying why: {err}"
            );
        }
    }
}

/// Ten goroutines waiting on one mutex, as Go prints them.
fn lock_dump(minutes: &str) -> String {
    (1..=10)
        .map(|id| {
            format!(
                "goroutine {id} [sync.Mutex.Lock{minutes}]:\nsync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:46\nmain.lockLater.func1()\n\t/app/main.go:30 +0x25\ncreated by main.lockLater in goroutine 1\n\t/app/main.go:28 +0x1f\n\n"
            )
        })
        .collect()
}

#[test]
fn a_lock_waited_on_for_minutes_is_suspect_and_a_brief_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("held.txt"), lock_dump(", 2 minutes")).unwrap();
    std::fs::write(dir.path().join("brief.txt"), lock_dump("")).unwrap();
    let held = letgo(&["profile", "held.txt", "--format", "json"], dir.path());
    let found = verdicts(&held);
    assert_eq!(
        found.get("main.lockLater.func1").map(|(c, _)| c.as_str()),
        Some("LG502"),
        "{found:?}"
    );
    let brief = letgo(&["profile", "brief.txt", "--format", "json"], dir.path());
    assert_eq!(brief.status.code(), Some(0));
    assert!(verdicts(&brief).is_empty());
}
