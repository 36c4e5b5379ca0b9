//! The analyses over the committed fixtures of `letgo_pprof` (made by its
//! `tests/fixtures/gen` program; see `facts.txt` for what they hold).

use std::path::PathBuf;

use letgo_pprof::DecodeOptions;
use letgo_runtime::{
    analyze_goroutines, analyze_heap, Config, GoroutineSnapshot, GroupBy, HeapSnapshot, Snapshot,
    Verdict,
};

fn fixture(version: &str, file: &str) -> Snapshot {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../letgo_pprof/tests/fixtures")
        .join(version)
        .join(file);
    let bytes = std::fs::read(&path).unwrap();
    let opened = letgo_pprof::open(file, &bytes[..], &DecodeOptions::default()).unwrap();
    Snapshot::from_opened(opened, file, GroupBy::Stack).unwrap()
}

fn goroutines(version: &str, file: &str) -> GoroutineSnapshot {
    match fixture(version, file) {
        Snapshot::Goroutines(g) => g,
        Snapshot::Heap(_) => panic!("{file} is not a goroutine snapshot"),
    }
}

fn heap(version: &str, file: &str) -> HeapSnapshot {
    match fixture(version, file) {
        Snapshot::Heap(h) => h,
        Snapshot::Goroutines(_) => panic!("{file} is not a heap snapshot"),
    }
}

fn leaky_worker_verdict(snapshots: &[GoroutineSnapshot]) -> (Verdict, u64) {
    let analysis = analyze_goroutines(snapshots, &Config::default());
    let g = analysis
        .groups
        .iter()
        .find(|g| {
            g.group
                .site()
                .is_some_and(|f| &*f.function == "main.leakyWorker")
        })
        .expect("a leakyWorker group");
    (g.verdict, g.group.count)
}

#[test]
fn leak_profiles_prove_dump_groups_across_formats() {
    for version in ["go1.26", "go1.27"] {
        for (dump, proof) in [
            ("goroutine.debug2.txt", "goroutineleak.pb.gz"),
            ("goroutine.pb.gz", "goroutineleak.debug2.txt"),
            ("goroutine.debug1.txt", "goroutineleak.debug1.txt"),
        ] {
            let snapshots = [goroutines(version, dump), goroutines(version, proof)];
            assert_eq!(
                leaky_worker_verdict(&snapshots),
                (Verdict::ProvenLeak, 5),
                "{version} {dump} + {proof}"
            );
        }
        // Without a proof, five blocked goroutines are unremarkable.
        let alone = [goroutines(version, "goroutine.debug2.txt")];
        assert_eq!(leaky_worker_verdict(&alone), (Verdict::Ordinary, 5));
    }
}

#[test]
fn older_dumps_group_the_same_way() {
    for version in ["go1.21", "go1.22"] {
        for file in [
            "goroutine.debug2.txt",
            "goroutine.pb.gz",
            "goroutine.debug1.txt",
        ] {
            let s = [goroutines(version, file)];
            assert_eq!(leaky_worker_verdict(&s).1, 5, "{version} {file}");
        }
    }
}

#[test]
fn heap_sites_hold_the_retained_buffers() {
    // facts.txt: 64 retained buffers of 64 KiB from main.allocRetained.
    for version in ["go1.21", "go1.22", "go1.26", "go1.27"] {
        for file in ["heap.pb.gz", "heap.debug1.txt"] {
            let h = heap(version, file);
            let analysis = analyze_heap(std::slice::from_ref(&h), &Config::default());
            let site = analysis
                .sites
                .iter()
                .find(|s| {
                    s.site
                        .site
                        .as_ref()
                        .is_some_and(|f| &*f.function == "main.allocRetained")
                })
                .unwrap_or_else(|| panic!("{version} {file}: no allocRetained site"));
            let bytes = site.bytes[0];
            // Sampling makes the scaled estimate approximate.
            assert!(
                (2 << 20..=8 << 20).contains(&bytes),
                "{version} {file}: {bytes} bytes"
            );
        }
    }
}
