//! A million-goroutine debug=2 dump streamed through the parser. Ignored by
//! default (it builds ~300 MB of text); run with
//! `cargo test -p letgo_pprof --release --test large_dump -- --ignored --nocapture`.

use std::io::Read;
use std::time::Instant;

use letgo_pprof::{GoroutineDumpReader, WaitKind};

/// Generates a debug=2-style dump of `count` goroutines lazily.
struct SyntheticDump {
    next: u64,
    count: u64,
    pending: Vec<u8>,
    pos: usize,
}

impl Read for SyntheticDump {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            if self.next == self.count {
                return Ok(0);
            }
            self.pending.clear();
            self.pos = 0;
            let id = self.next + 2;
            self.next += 1;
            self.pending.extend_from_slice(
                format!(
                    "goroutine {id} [chan receive, {} minutes]:\n\
                     runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\
                     \t/usr/local/go/src/runtime/proc.go:435 +0xce\n\
                     runtime.chanrecv1(0xc000100000?, 0x0?)\n\
                     \t/usr/local/go/src/runtime/chan.go:489 +0x12\n\
                     main.leakyWorker({}, 0xc000100000)\n\
                     \t/src/app/main.go:51 +0x2d\n\
                     created by main.startLeaks in goroutine 1\n\
                     \t/src/app/main.go:62 +0x1f\n\n",
                    id % 7,
                    id
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

#[test]
#[ignore = "slow in debug builds; a timing check for release builds"]
fn million_goroutines_stream() {
    const COUNT: u64 = 1_000_000;
    let source = SyntheticDump {
        next: 0,
        count: COUNT,
        pending: Vec::new(),
        pos: 0,
    };
    let start = Instant::now();
    let reader = GoroutineDumpReader::new(
        "synthetic",
        std::io::BufReader::with_capacity(1 << 16, source),
    );
    let mut blocked = 0u64;
    for g in reader {
        let g = g.expect("parses");
        if g.state.kind() == WaitKind::ChanReceive
            && g.frames.iter().any(|f| &*f.function == "main.leakyWorker")
        {
            blocked += 1;
        }
    }
    let elapsed = start.elapsed();
    eprintln!("{COUNT} goroutines in {elapsed:?}");
    assert_eq!(blocked, COUNT);
}

#[test]
#[ignore = "baseline for million_goroutines_stream: generation alone"]
fn million_goroutines_generation_only() {
    let mut source = SyntheticDump {
        next: 0,
        count: 1_000_000,
        pending: Vec::new(),
        pos: 0,
    };
    let start = Instant::now();
    let n = std::io::copy(&mut source, &mut std::io::sink()).expect("copy");
    eprintln!("generated {n} bytes in {:?}", start.elapsed());
}
