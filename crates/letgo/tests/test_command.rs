//! `letgo test` end to end on the fixture module `tests/fixtures/gotest`
//! (standard library only): plain tests, subtests, parallel tests, a
//! package with its own TestMain, an external test package, a leak
//! started by a goroutine the test started, a leak that outlives its test,
//! and a leak that needs a lucky schedule (`flaky`, behind the `stress`
//! tag). Each run asserts exactly which tests are blamed for which sites,
//! and that the user's files are byte-identical afterwards. Skipped with a
//! message when Go is missing, unless `LETGO_REQUIRE_GO` is set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gotest")
}

/// Every file of the fixture with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs `letgo test ARGS --go GO` in the fixture with its own TMPDIR, and
/// checks that the fixture is unchanged and letgo's temporary folder gone.
fn letgo_test(go: &Path, args: &[&str]) -> Output {
    let before = snapshot(&fixture());
    let tmp = tempfile::tempdir().unwrap();
    let out = letgo_testkit::go_command(Path::new(env!("CARGO_BIN_EXE_letgo")))
        .arg("test")
        .args(args)
        .arg("--go")
        .arg(go)
        .env("TMPDIR", tmp.path())
        .current_dir(fixture())
        .output()
        .unwrap();
    assert_eq!(
        snapshot(&fixture()),
        before,
        "letgo test changed the user's files"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("letgo-test-"))
        .collect();
    assert!(left.is_empty(), "temporary folders left: {left:?}");
    out
}

/// (blamed test, site function, goroutines) of a JSON report.
fn blamed(out: &Output) -> BTreeSet<(String, String, u64)> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut set = BTreeSet::new();
    for f in doc["findings"].as_array().unwrap() {
        let function = f["function"].as_str().unwrap().to_string();
        for t in f["evidence"]["tests"].as_array().unwrap() {
            set.insert((
                t["test"].as_str().unwrap().to_string(),
                function.clone(),
                t["count"].as_u64().unwrap(),
            ));
        }
    }
    set
}

fn expected(rows: &[(&str, &str, u64)]) -> BTreeSet<(String, String, u64)> {
    rows.iter()
        .map(|(t, f, n)| (t.to_string(), format!("example.com/letgofixture/{f}"), *n))
        .collect()
}

/// Every leak of the fixture, blamed on the test that started it.
const ALL_LEAKS: &[(&str, &str, u64)] = &[
    ("TestLeakyReceive", "plain.Wait.func1", 1),
    ("TestParallelLeaky", "plain.Wait.func1", 1),
    ("TestRelayed", "plain.Wait.func1", 1),
    ("TestSubtests/leaky", "plain.Notify.func1", 1),
    ("TestOutlives", "plain.Later.func1", 1),
    ("TestNeverStopped", "withmain.Serve.func1", 1),
    ("TestThreeSources", "external.Fetch.func1", 2),
];

fn codes(out: &Output) -> BTreeSet<String> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_leak_is_blamed_on_the_test_that_started_it() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    let out = letgo_test(&go, &["./...", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(blamed(&out), expected(ALL_LEAKS));
    assert_eq!(codes(&out), BTreeSet::from(["LG501".to_string()]));
    // go test's own output (on stderr beside a JSON report) fails the
    // leaky tests and only them; the package's TestMain still ran.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (test, _, _) in ALL_LEAKS.iter().filter(|(t, _, _)| !t.contains('/')) {
        if *test != "TestOutlives" {
            assert!(
                stderr.contains(&format!("--- FAIL: {test} ")),
                "{test}: {stderr}"
            );
        }
    }
    for clean in [
        "TestClean",
        "TestParallelClean",
        "TestAfterOutlives",
        "TestStopped",
        "TestOneSource",
    ] {
        assert!(
            !stderr.contains(&format!("--- FAIL: {clean} ")),
            "{clean}: {stderr}"
        );
    }
    assert!(stderr.contains("withmain: TestMain ran"), "{stderr}");
    // TestSubtests fails, naming its subtest.
    assert!(
        stderr.contains("leaked by subtest leaky [chan send]"),
        "{stderr}"
    );
    // The leak that blocked after its test ended is said so.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let later = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["function"]
                .as_str()
                .unwrap()
                .ends_with("plain.Later.func1")
        })
        .unwrap();
    assert_eq!(later["evidence"]["tests"][0]["late"], true);
    assert_eq!(later["file"], "plain/plain.go");
}

#[test]
fn go_test_json_sees_the_leaky_test_fail() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    let out = letgo_test(
        &go,
        &["./plain", "-json", "-run", "TestLeakyReceive|TestClean"],
    );
    assert_eq!(out.status.code(), Some(1));
    let mut actions = BTreeMap::new();
    let mut leak_output = false;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let test = event["Test"].as_str().unwrap_or("").to_string();
        match event["Action"].as_str().unwrap() {
            a @ ("pass" | "fail") if !test.is_empty() => {
                actions.insert(test, a.to_string());
            }
            "output" if test == "TestLeakyReceive" => {
                leak_output |= event["Output"]
                    .as_str()
                    .unwrap()
                    .contains("goroutine(s) leaked");
            }
            _ => {}
        }
    }
    assert_eq!(actions["TestLeakyReceive"], "fail");
    assert_eq!(actions["TestClean"], "pass");
    assert!(leak_output);
    // The text report went to stderr, out of test2json's way.
    assert!(String::from_utf8_lossy(&out.stderr).contains("LG501"));
}

#[test]
fn count_race_and_run_pass_through() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    let out = letgo_test(
        &go,
        &[
            "./plain",
            "-count=3",
            "-race",
            "-run",
            "TestRelayed|TestSubtests|TestClean",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        blamed(&out),
        expected(&[
            ("TestRelayed", "plain.Wait.func1", 3),
            ("TestSubtests/leaky", "plain.Notify.func1", 3)
        ])
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["findings"][0]["evidence"]["tests"][0]["runs"],
        serde_json::json!([1, 2, 3])
    );
}

#[test]
fn clean_tests_pass_and_ignored_functions_are_skipped() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    let run = "TestClean|TestParallelClean|TestAfterOutlives|TestStopped|TestOneSource";
    let out = letgo_test(&go, &["./...", "-run", run, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(blamed(&out).is_empty());
    let ignore = "example.com/letgofixture/withmain.Serve.func1";
    let out = letgo_test(&go, &["./withmain", "--ignore", ignore, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stress_reruns_until_the_rare_leak() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    let out = letgo_test(&go, &["./flaky", "-tags", "stress", "--stress", "40"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("1 goroutine leaked by TestSometimesImpatient"),
        "{stdout}"
    );
    assert!(stdout.contains("static: LG103"), "{stdout}");
    // A clean test runs the N times.
    let out = letgo_test(&go, &["./plain", "-run", "TestClean", "--stress", "3"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("the tests ran 3 time(s)"), "{stdout}");
}

#[test]
fn tests_that_never_finish_are_stopped() {
    let Some(go) = letgo_testkit::go_binary() else {
        return;
    };
    // Proved: the test's own goroutine waits on a channel only it holds.
    let args = [
        "./hangs",
        "-tags",
        "hang",
        "-run",
        "TestStuckProved",
        "-timeout",
        "60s",
    ];
    let out = letgo_test(&go, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        blamed(&out),
        expected(&[("TestStuckProved", "hangs.AwaitLocal", 1)])
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "LG501");
    assert_eq!(doc["findings"][0]["evidence"]["tests"][0]["stuck"], true);
    // Not provable (a global map holds the channel): --hang stops it.
    let args = [
        "./hangs",
        "-tags",
        "hang",
        "-run",
        "TestHangsOnGlobal",
        "-timeout",
        "60s",
    ];
    let out = letgo_test(
        &go,
        &[&args[..], &["--hang", "2s", "--format", "json"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        blamed(&out),
        expected(&[("TestHangsOnGlobal", "hangs.Await", 1)])
    );
    assert_eq!(codes(&out), BTreeSet::from(["LG505".to_string()]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--- FAIL: TestHangsOnGlobal"));
}

/// The settle path, on a toolchain without the goroutineleak profile
/// (`$LETGO_GO_OLD`, or Go 1.22 in `.tools/go1.22` as `scripts/test`
/// installs it): the same verdicts.
#[test]
fn old_toolchains_settle_to_the_same_verdicts() {
    let go = std::env::var_os("LETGO_GO_OLD")
        .map(PathBuf::from)
        .unwrap_or_else(|| letgo_testkit::workspace_root().join(".tools/go1.22/bin/go"));
    if !go.exists() {
        assert!(
            std::env::var_os("LETGO_REQUIRE_GO").is_none(),
            "no Go 1.22 at {}; run scripts/test",
            go.display()
        );
        eprintln!("skipped: no Go 1.22 at {}", go.display());
        return;
    }
    let out = letgo_test(&go, &["./...", "--settle", "300ms", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(blamed(&out), expected(ALL_LEAKS));
    assert_eq!(codes(&out), BTreeSet::from(["LG505".to_string()]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no goroutineleak profile"));
}
