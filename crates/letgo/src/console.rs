//! Printing that never panics. `println!` and `eprintln!` panic when the
//! stream is closed or full (`letgo check 2>/dev/full` died with exit 101);
//! the crate-wide macros in `main.rs` route here instead, and a failed
//! write makes the exit code 2, as any other input or output error.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `args` (and a newline) to stdout.
pub fn out(args: fmt::Arguments, newline: bool) {
    let mut h = io::stdout().lock();
    record(write(&mut h, args, newline));
}

/// Writes `args` (and a newline) to stderr.
pub fn err(args: fmt::Arguments, newline: bool) {
    let mut h = io::stderr().lock();
    record(write(&mut h, args, newline));
}

fn write(h: &mut dyn Write, args: fmt::Arguments, newline: bool) -> io::Result<()> {
    h.write_fmt(args)?;
    if newline {
        h.write_all(b"\n")?;
    }
    h.flush()
}

fn record(r: io::Result<()>) {
    if r.is_err() {
        FAILED.store(true, Ordering::Relaxed);
    }
}

/// Whether a write to stdout or stderr failed.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}
