//! The goroutine traceback parser (`debug=2`, panics, SIGQUIT), streamed:
//! never a panic, never a hang.
#![no_main]

use letgo_pprof::GoroutineDumpReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for g in GoroutineDumpReader::new("fuzz", data) {
        if g.is_err() {
            break;
        }
    }
});
