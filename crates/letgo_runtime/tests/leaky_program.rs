//! The analyses over profiles of a real leaky Go program
//! (`tests/fixtures/leaky`): every leak is found with the right verdict and
//! no control is reported; the proven leaks are exactly the ones Go's own
//! `goroutineleak` profile lists.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use letgo_pprof::{CountProfile, DecodeOptions};
use letgo_runtime::{
    analyze_goroutines, analyze_heap, Config, GoroutineAnalysis, GoroutineSnapshot, GroupBy,
    HeapSnapshot, Snapshot, Verdict,
};

fn snapshot(path: &PathBuf, group_by: GroupBy) -> Snapshot {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let opened = letgo_pprof::open(name.as_str(), &bytes[..], &DecodeOptions::default()).unwrap();
    Snapshot::from_opened(opened, name, group_by).unwrap()
}

fn goroutines(paths: &[PathBuf], group_by: GroupBy) -> Vec<GoroutineSnapshot> {
    paths
        .iter()
        .map(|p| match snapshot(p, group_by) {
            Snapshot::Goroutines(g) => g,
            Snapshot::Heap(_) => panic!("{} is a heap profile", p.display()),
        })
        .collect()
}

fn heaps(paths: &[PathBuf]) -> Vec<HeapSnapshot> {
    paths
        .iter()
        .map(|p| match snapshot(p, GroupBy::Stack) {
            Snapshot::Heap(h) => h,
            Snapshot::Goroutines(_) => panic!("{} is a goroutine profile", p.display()),
        })
        .collect()
}

/// Reported groups (proven or suspect): site function → verdict.
fn reported(analysis: &GoroutineAnalysis) -> BTreeMap<String, Verdict> {
    analysis
        .groups
        .iter()
        .filter(|g| matches!(g.verdict, Verdict::ProvenLeak | Verdict::Suspect))
        .map(|g| (g.group.site().unwrap().function.to_string(), g.verdict))
        .collect()
}

const SENDER: &str = "example.com/leaky/internal/fetch.WithTimeout.func1";
const RECEIVER: &str = "main.leakReceive.func1";
const TICKER: &str = "main.startTicker.func1";
const MUTEX: &str = "main.waitForever";

fn expected(proven: bool) -> BTreeMap<String, Verdict> {
    let proven_verdict = if proven {
        Verdict::ProvenLeak
    } else {
        Verdict::Suspect
    };
    BTreeMap::from([
        (SENDER.to_string(), proven_verdict),
        (RECEIVER.to_string(), proven_verdict),
        (TICKER.to_string(), Verdict::Suspect),
        (MUTEX.to_string(), Verdict::Suspect),
    ])
}

#[test]
fn every_goroutine_leak_is_found_and_no_control_is_reported() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    for (prefix, suffix) in [("goroutine", ".txt"), ("goroutine", ".pb.gz")] {
        for group_by in [GroupBy::Stack, GroupBy::FirstUserFrame] {
            let snapshots = goroutines(&run.series(prefix, suffix), group_by);
            let analysis = analyze_goroutines(&snapshots, &Config::default());
            assert_eq!(
                reported(&analysis),
                expected(false),
                "{suffix} {group_by:?}"
            );
            // The controls are there, and unremarkable.
            let pool = analysis
                .groups
                .iter()
                .find(|g| g.group.site().unwrap().function.as_ref() == "main.startPool.func1")
                .expect("the worker pool");
            assert_eq!((pool.group.count, pool.verdict), (8, Verdict::Ordinary));
            let growth = analysis.total_growth.as_ref().unwrap();
            assert!(growth.growing, "{growth:?}");
        }
    }
}

#[test]
fn go_leak_profile_proves_exactly_its_own_leaks() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let leak_pb = run.file("goroutineleak.pb.gz");
    if !leak_pb.exists() {
        eprintln!("skipped: this Go has no goroutineleak profile");
        return;
    }
    let mut paths = run.series("goroutine", ".txt");
    paths.push(leak_pb);
    let analysis = analyze_goroutines(&goroutines(&paths, GroupBy::Stack), &Config::default());
    assert_eq!(reported(&analysis), expected(true));
    let ours: BTreeMap<String, u64> = analysis
        .groups
        .iter()
        .filter(|g| g.verdict == Verdict::ProvenLeak)
        .map(|g| (g.group.site().unwrap().function.to_string(), g.group.count))
        .collect();
    assert_eq!(ours, go_leak_report(&run.file("goroutineleak.txt")));
}

/// Go's `goroutineleak?debug=1` report, read independently of the
/// analyses: leaked goroutines per first frame in user code.
fn go_leak_report(path: &PathBuf) -> BTreeMap<String, u64> {
    let text = std::fs::read(path).unwrap();
    let profile = CountProfile::parse("goroutineleak.txt", &text[..]).unwrap();
    let mut sites = BTreeMap::new();
    for record in &profile.records {
        let site = record
            .frames
            .iter()
            .filter_map(|f| f.function.as_deref())
            .find(|f| !letgo_runtime::frames::is_std_function(f))
            .unwrap_or("?");
        *sites.entry(site.to_string()).or_insert(0) += record.count;
    }
    sites
}

#[test]
fn only_the_session_cache_grows_the_heap() {
    let Some(run) = common::leaky_run() else {
        return;
    };
    let paths = run.series("heap", ".pb.gz");
    let config = Config::default();
    let full = analyze_heap(&heaps(&paths), &config);
    let ends = analyze_heap(&heaps(&[paths[0].clone(), paths[5].clone()]), &config);
    for analysis in [full, ends] {
        let growing: Vec<&str> = analysis
            .sites
            .iter()
            .filter(|s| s.is_growing())
            .map(|s| &*s.site.site.as_ref().unwrap().function)
            .collect();
        assert_eq!(growing, vec!["main.handleSession"]);
        let session = &analysis.sites[0];
        // 20 values of 64 KiB per phase, five phases between first and last.
        let expected = 5 * 20 * (64 << 10);
        let increase = session.increase();
        assert!(
            (expected * 9 / 10..=expected * 11 / 10).contains(&increase),
            "{increase} vs {expected}"
        );
    }
}
