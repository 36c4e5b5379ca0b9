//! Snapshots are taken in the order they were recorded, not the order
//! given: a shell's `heap*.pb.gz` (1, 10, 11, 12, 2, …) or a reversed list
//! finds the same growth as the right order, with a note; `diff NEW BASE`
//! swaps them and says so.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use letgo_pprof::{BuildFrame, ProfileBuilder};
use serde_json::Value;

const T0: i64 = 1_760_000_000_000_000_000;
const MIB: i64 = 1 << 20;

fn letgo(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run letgo")
}

/// Heap profile `n` (from 1), taken `n` minutes after T0: a leak that
/// holds `n` × 8 MiB and a steady cache of 8 MiB.
fn heap(n: i64) -> Vec<u8> {
    let mut b = ProfileBuilder::new(&[
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ]);
    b.period("space", "bytes", 512 * 1024);
    b.time_nanos(T0 + n * 60_000_000_000);
    let frame = |function, line| BuildFrame {
        function,
        file: "/app/main.go",
        line,
    };
    let leak = n * 8 * MIB;
    b.add_sample(
        &[frame("main.remember", 12)],
        vec![n * 8, leak, n * 8, leak],
        &[],
    );
    b.add_sample(
        &[frame("main.cache", 30)],
        vec![8, 8 * MIB, 8, 8 * MIB],
        &[],
    );
    b.build("heap").unwrap().encode_gzip()
}

fn write_heaps(dir: &Path, count: i64) -> Vec<String> {
    (1..=count)
        .map(|n| {
            let name = format!("heap{n}.pb.gz");
            std::fs::write(dir.join(&name), heap(n)).unwrap();
            name
        })
        .collect()
}

/// The LG503 findings: function and the growth they report, in bytes.
fn heap_growth(out: &Output) -> Vec<(String, i64)> {
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "LG503")
        .map(|f| {
            let growth = f["evidence"]["increase_bytes"].as_i64().unwrap_or(-1);
            (f["function"].as_str().unwrap().to_string(), growth)
        })
        .collect()
}

fn profile(dir: &Path, files: &[String]) -> Output {
    let mut args = vec!["profile", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    letgo(&args, dir)
}

#[test]
fn shell_order_and_reverse_order_find_what_time_order_finds() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_heaps(dir.path(), 12);
    let right = profile(dir.path(), &files);
    let expected = heap_growth(&right);
    assert_eq!(
        expected,
        [("main.remember".to_string(), 11 * 8 * MIB)],
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    assert!(!String::from_utf8_lossy(&right.stderr).contains("not the order given"));
    let mut shell = files.clone();
    shell.sort();
    let mut reversed = files.clone();
    reversed.reverse();
    for order in [shell, reversed] {
        let out = profile(dir.path(), &order);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(heap_growth(&out), expected, "{order:?}: {err}");
        assert!(
            err.contains("not the order given: heap1.pb.gz, heap2.pb.gz"),
            "{err}"
        );
    }
}

#[test]
fn dumps_without_a_time_are_ordered_by_file_time() {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let mut files = Vec::new();
    for n in 1..=6u64 {
        let name = format!("g{}.txt", 7 - n);
        let mut text = format!("goroutine profile: total {}\n", n * 10 + 1);
        text.push_str(&format!(
            "{} @ 0x1 0x2\n#\t0x1\tmain.stuck+0x1\t/app/main.go:5\n#\t0x2\tmain.spawn.func1+0x1\t/app/main.go:9\n\n1 @ 0x3\n#\t0x3\tmain.main+0x1\t/app/main.go:20\n",
            n * 10
        ));
        let path = dir.path().join(&name);
        std::fs::write(&path, text).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(now - Duration::from_secs(600 - n * 60))
            .unwrap();
        files.push(name);
    }
    // Given as g1..g6, which is newest first.
    files.reverse();
    let out = profile(dir.path(), &files);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the order given: g6.txt, g5.txt"), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let growth = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "LG504")
        .expect("goroutine growth");
    assert_eq!(growth["evidence"]["snapshots"][0], "g6.txt", "{growth}");
    assert_eq!(
        growth["message"], "goroutines grew from 11 to 61 over 6 snapshots (+10.0 goroutines/min)",
        "{growth}"
    );
}

#[test]
fn diff_swaps_a_newer_base_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_heaps(dir.path(), 3);
    let out = letgo(
        &["diff", &files[2], &files[0], "--format", "json"],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("heap3.pb.gz was taken after heap1.pb.gz: swapped"),
        "{err}"
    );
    assert!(err.contains("in-use heap: 16.0 MiB → 32.0 MiB"), "{err}");
    let right = letgo(
        &["diff", &files[0], &files[2], "--format", "json"],
        dir.path(),
    );
    assert!(!String::from_utf8_lossy(&right.stderr).contains("swapped"));
    assert_eq!(out.stdout, right.stdout);
}
