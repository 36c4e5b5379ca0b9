//! Goroutines at one site with different pprof label sets are counted per
//! set, never merged into one set of values: 80 of tenant t1, 40 of t2
//! and 30 without labels are three facts.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const STACK: &str = "#\t0x50014c\tmain.leakyWorker+0x2c\t/app/main.go:51\n";

fn record(count: u64, labels: Option<&str>) -> String {
    let labels = labels.map_or(String::new(), |l| format!("# labels: {l}\n"));
    format!("{count} @ 0x482e8a 0x4152ce 0x414df2 0x50014d 0x489101\n{labels}{STACK}\n")
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run letgo");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_label_set_keeps_its_own_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "goroutineleak profile: total 150\n{}{}{}",
        record(80, Some(r#"{"endpoint":"/a", "tenant":"t1"}"#)),
        record(40, Some(r#"{"endpoint":"/a", "tenant":"t2"}"#)),
        record(30, None),
    );
    std::fs::write(dir.path().join("leak.txt"), text).unwrap();
    let (stdout, stderr) = run(dir.path(), &["profile", "leak.txt"]);
    assert!(
        stdout.contains(
            "labels: 80 × endpoint=/a tenant=t1; 40 × endpoint=/a tenant=t2; 30 × no labels"
        ),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("t1,t2"), "{stdout}");
    let (json, _) = run(dir.path(), &["profile", "leak.txt", "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let sets = &doc["findings"][0]["evidence"]["label_sets"];
    let counts: Vec<u64> = sets
        .as_array()
        .expect("label sets")
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 150, "{sets}");
    assert_eq!(
        sets[0]["labels"],
        serde_json::json!({}),
        "no labels first: {sets}"
    );
}

#[test]
fn a_few_labelled_goroutines_do_not_label_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "goroutineleak profile: total 55\n{}{}",
        record(5, Some(r#"{"component":"gleak"}"#)),
        record(50, None),
    );
    std::fs::write(dir.path().join("leak.txt"), text).unwrap();
    let (stdout, _) = run(dir.path(), &["profile", "leak.txt"]);
    assert!(
        stdout.contains("labels: 50 × no labels; 5 × component=gleak"),
        "{stdout}"
    );
}
