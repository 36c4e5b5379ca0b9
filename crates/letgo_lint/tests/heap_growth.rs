//! The runtime proof of the heap-growth rules: `fixtures/heapgrowth`
//! serves requests to the handler LG301 flags (`lg301.Log`) and the one
//! LG302 flags (`lg302.Seen`), and to their bounded neighbours, and
//! prints the heap in use after a GC at each checkpoint (Go's
//! `runtime.MemStats`). The flagged ones must grow at every step, about
//! linearly; the quiet ones must stay flat.

mod common;

/// Heap in use after GC at each checkpoint, for one case.
fn heap_series(bin: &std::path::Path, case: &str) -> Vec<u64> {
    let out = std::process::Command::new(bin).arg(case).output().unwrap();
    assert!(out.status.success(), "heapgrowth {case} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2)?.parse().ok())
        .collect()
}

#[test]
fn flagged_handlers_grow_linearly_and_their_neighbours_stay_flat() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("heapgrowth");
    let bin_arg = bin.to_string_lossy().into_owned();
    let (ok, out) = common::go(
        &go,
        &common::fixtures_dir(),
        &["build", "-o", &bin_arg, "./heapgrowth"],
    );
    assert!(ok, "heapgrowth does not build:\n{out}");
    for rule in ["lg301", "lg302"] {
        let leaky = heap_series(&bin, &format!("{rule}-leaky"));
        let steps: Vec<u64> = leaky
            .windows(2)
            .map(|w| w[1].saturating_sub(w[0]))
            .collect();
        let mean = steps.iter().sum::<u64>() / steps.len() as u64;
        println!("{rule} leaky: {leaky:?} (mean step {mean} B)");
        assert!(
            mean > 2 << 20,
            "{rule}: the leak grows too little: {leaky:?}"
        );
        assert!(
            steps.iter().all(|&s| s > mean / 4),
            "{rule}: the leak does not grow at every step: {leaky:?}"
        );
        let bounded = heap_series(&bin, &format!("{rule}-bounded"));
        println!("{rule} bounded: {bounded:?}");
        let (first, last) = (bounded[1], *bounded.last().unwrap());
        assert!(
            last.saturating_sub(first) < 1 << 20,
            "{rule}: the bounded neighbour grows: {bounded:?}"
        );
    }
}
