//! Differential: a traceback read by stack keys (the fast path of big dumps)
//! groups exactly as the one-goroutine-at-a-time parser does, and fails
//! with the same error at the same line; a dump cut short is read up to
//! the cut by both, the fast path saying so in a warning. The input is read three times
//! over, so that later copies hit the keys the first one remembered.
#![no_main]

use letgo_pprof::{ErrorKind, GoroutineDumpReader};
use letgo_runtime::{GoroutineSnapshot, GoroutineSource, GroupBy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut text = data.to_vec();
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    let text = text.repeat(3);
    let mut slow = GoroutineSnapshot::new("f", GoroutineSource::Traceback, GroupBy::Stack);
    let mut slow_error = None;
    let mut cut = false;
    for g in GoroutineDumpReader::new("f", text.as_slice()) {
        match g {
            Ok(g) => slow.add_goroutine(&g),
            Err(e) if e.kind == ErrorKind::Truncated => {
                cut = true;
                break;
            }
            Err(e) => {
                slow_error = Some(e.to_string());
                break;
            }
        }
    }
    let reader = GoroutineDumpReader::new("f", text.as_slice());
    match GoroutineSnapshot::from_traceback_on(reader, "f", GroupBy::Stack, 2) {
        Ok(fast) => {
            assert_eq!(slow_error, None);
            assert_eq!(fast.warnings.is_empty(), !cut);
            assert_eq!(fast.total, slow.total);
            assert_eq!(fast.groups, slow.groups);
        }
        Err(e) => assert_eq!(Some(e.to_string()), slow_error),
    }
});
