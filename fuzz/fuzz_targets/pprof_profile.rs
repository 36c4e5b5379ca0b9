//! The pprof protobuf decoder: never a panic, and every stack of a
//! profile that decodes can be resolved.
#![no_main]

use letgo_pprof::{DecodeOptions, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = DecodeOptions { max_decoded_bytes: 1 << 20 };
    if let Ok(p) = Profile::decode("fuzz", data, &opts) {
        for s in p.stacks() {
            let _ = (s.values.len(), s.frames.len());
        }
        let _ = p.encode();
    }
});
