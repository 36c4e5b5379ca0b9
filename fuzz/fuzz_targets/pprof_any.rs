//! Format sniffing and every decoder behind it (gzip, protobuf, `debug=1`
//! count and heap text, tracebacks), with a small decompression cap.
#![no_main]

use letgo_pprof::{decode, DecodeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = DecodeOptions { max_decoded_bytes: 1 << 20 };
    let _ = decode("fuzz", data, &opts);
});
