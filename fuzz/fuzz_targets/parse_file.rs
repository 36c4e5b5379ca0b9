//! The parser must never panic, hang or overflow its stack, whatever the
//! input; and every tree it builds must be walkable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let parsed = letgo_go::parse_file(&src);
    // Walking exercises every node's positions, as the rules will.
    let dump = letgo_go::dump::dump_file(&parsed.file, &src);
    assert!(dump.starts_with("0 File"));
    for e in &parsed.errors {
        assert!(e.offset as usize <= src.len(), "error offset out of range");
    }
});
