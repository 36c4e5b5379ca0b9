//! A million-goroutine `debug=2` dump in a few thousand distinct stacks,
//! streamed through the parser and grouped, against `go tool pprof -top`
//! on the equivalent protobuf goroutine profile, in one run.
//!
//! Run: `cargo bench -p letgo_runtime --bench goroutine_dump`
//! (`LETGO_GO` or `.tools/go/bin/go` for the reference; without Go only
//! letgo is timed). Target (issue 5): under 2 s, and at least 10x faster
//! than the reference.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use letgo_pprof::{BuildFrame, GoroutineDumpReader, ProfileBuilder};
use letgo_runtime::{analyze_goroutines, Config, GoroutineSnapshot, GroupBy};

const GOROUTINES: u64 = 1_000_000;
const STACKS: u64 = 3_000;

/// Generates the dump lazily, so that it is never held in memory.
struct SyntheticDump {
    next: u64,
    pending: Vec<u8>,
    pos: usize,
}

impl Read for SyntheticDump {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            if self.next == GOROUTINES {
                return Ok(0);
            }
            self.pending.clear();
            self.pos = 0;
            let id = self.next + 2;
            self.next += 1;
            let site = id % STACKS;
            self.pending.extend_from_slice(
                format!(
                    "goroutine {id} [chan receive, {} minutes]:\n\
                     main.leakyWorker{}({id}, 0xc000100000)\n\
                     \t/src/app/worker.go:{} +0x2d\n\
                     main.serve(0x1)\n\
                     \t/src/app/main.go:40 +0x1f\n\
                     created by main.startLeaks in goroutine 1\n\
                     \t/src/app/main.go:62 +0x1f\n\n",
                    id % 7,
                    site % 50,
                    100 + site / 50
                )
                .as_bytes(),
            );
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn letgo_on_dump() -> (Duration, usize) {
    let source = SyntheticDump {
        next: 0,
        pending: Vec::new(),
        pos: 0,
    };
    let start = Instant::now();
    let reader = GoroutineDumpReader::new(
        "synthetic",
        std::io::BufReader::with_capacity(1 << 16, source),
    );
    let snapshot =
        GoroutineSnapshot::from_traceback(reader, "synthetic", GroupBy::Stack).expect("parses");
    let analysis = analyze_goroutines(&[snapshot], &Config::default());
    let elapsed = start.elapsed();
    assert_eq!(analysis.totals, vec![GOROUTINES]);
    (elapsed, analysis.groups.len())
}

/// The same goroutines as Go's protobuf goroutine profile holds them: one
/// sample per distinct stack, with its count.
fn equivalent_profile() -> Vec<u8> {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    let per_stack = GOROUTINES / STACKS;
    for site in 0..STACKS {
        let worker = format!("main.leakyWorker{}", site % 50);
        let frames = [
            BuildFrame {
                function: "runtime.gopark",
                file: "/go/src/runtime/proc.go",
                line: 435,
            },
            BuildFrame {
                function: "runtime.chanrecv1",
                file: "/go/src/runtime/chan.go",
                line: 489,
            },
            BuildFrame {
                function: &worker,
                file: "/src/app/worker.go",
                line: (100 + site / 50) as i64,
            },
            BuildFrame {
                function: "main.serve",
                file: "/src/app/main.go",
                line: 40,
            },
        ];
        b.add_sample(&frames, vec![per_stack as i64], &[]);
    }
    b.build("equivalent").expect("valid").encode_gzip()
}

/// letgo on the protobuf: decode, group, classify.
fn letgo_on_profile(bytes: &[u8]) -> Duration {
    let start = Instant::now();
    let options = letgo_pprof::DecodeOptions::default();
    let opened = letgo_pprof::open("equivalent", bytes, &options).expect("decodes");
    let snapshot = match letgo_runtime::Snapshot::from_opened(opened, "equivalent", GroupBy::Stack)
    {
        Ok(letgo_runtime::Snapshot::Goroutines(g)) => g,
        _ => panic!("not a goroutine profile"),
    };
    let analysis = analyze_goroutines(&[snapshot], &Config::default());
    assert_eq!(analysis.totals, vec![GOROUTINES / STACKS * STACKS]);
    start.elapsed()
}

fn go_binary() -> Option<PathBuf> {
    let go = std::env::var_os("LETGO_GO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/go/bin/go")
        });
    go.exists().then_some(go)
}

fn pprof_top(go: &PathBuf, profile: &PathBuf) -> Duration {
    let start = Instant::now();
    let out = Command::new(go)
        .args(["tool", "pprof", "-top"])
        .arg(profile)
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go tool pprof");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

fn main() {
    let (letgo, groups) = letgo_on_dump();
    println!("letgo: {GOROUTINES} goroutines ({groups} groups) parsed and analysed in {letgo:.2?} (target < 2 s)");
    let Some(go) = go_binary() else {
        println!("reference skipped: no Go toolchain (set LETGO_GO)");
        return;
    };
    let profile = equivalent_profile();
    let on_profile = (0..3)
        .map(|_| letgo_on_profile(&profile))
        .min()
        .unwrap_or_default();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-goroutine.pb.gz");
    std::fs::write(&path, &profile).expect("write the profile");
    // Warm the go command's caches once, then take the best of three.
    let _ = pprof_top(&go, &path);
    let reference = (0..3)
        .map(|_| pprof_top(&go, &path))
        .min()
        .unwrap_or_default();
    println!("go tool pprof -top on the equivalent protobuf: {reference:.2?}");
    println!("letgo on the same protobuf: {on_profile:.2?}");
    println!(
        "ratio on the protobuf (reference / letgo): {:.1}x (target >= 10x)",
        reference.as_secs_f64() / on_profile.as_secs_f64()
    );
    println!(
        "ratio, letgo on the 1M-goroutine text dump vs the reference on the protobuf: {:.2}x",
        reference.as_secs_f64() / letgo.as_secs_f64()
    );
}
