//! letgo: find Go memory leaks and fix them.
//!
//! Exit codes follow `go vet` and golangci-lint: 0 nothing found, 1
//! findings, 2 usage or input error (including syntax errors).

// Non-panicking stand-ins for the std printing macros (see `console`),
// defined before the modules so that they shadow std's in all of them.
macro_rules! println {
    () => { $crate::console::out(format_args!(""), true) };
    ($($t:tt)*) => { $crate::console::out(format_args!($($t)*), true) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::console::out(format_args!($($t)*), false) };
}
macro_rules! eprintln {
    () => { $crate::console::err(format_args!(""), true) };
    ($($t:tt)*) => { $crate::console::err(format_args!($($t)*), true) };
}

mod cli;
mod commands;
mod config;
mod console;
mod fix_write;
mod gotest;
mod paths;
mod report;
mod runtime;
mod watch;

use clap::Parser;
use std::process::ExitCode;

// `letgo check` builds and frees millions of small tree nodes from two
// threads; glibc's malloc spent a third of a run over GOROOT doing that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    // mimalloc's own (linked in by the `mimalloc` crate).
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// mimalloc v3's `mi_option_purge_delay` (its position in `mi_option_e`;
/// the version is pinned by Cargo.lock) and that version's default.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
const MI_DEFAULT_PURGE_DELAY: std::ffi::c_long = 1000;

/// For a run that ends when its work is done (`letgo check`): memory the
/// run frees is kept for its own next allocations, not given back to the
/// system. Given back, a page (often a 2 MiB huge page, split for it) is
/// faulted in and zeroed again by the kernel when reused: over GOROOT/src
/// that was a quarter of the run's CPU time.
///
/// The run also asks for ordinary pages only. mimalloc marks its arenas
/// for transparent huge pages; where the system honours that on request
/// (`madvise`, the usual default), each first touch of a 2 MiB page has
/// the kernel find and zero a huge page, compacting memory to make one.
/// Over GOROOT/src that was a fifth of the samples of a profile
/// (`clear_page_erms`), and 2.2 s of system time on a loaded machine
/// against 0.7 s without, peak memory 968 MiB against 911 MiB.
pub fn keep_freed_memory() {
    // SAFETY: plain calls into the allocator's option table; the option
    // is changed only when it holds this version's default, so a
    // different mimalloc (another option at that position) is left alone.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) == MI_DEFAULT_PURGE_DELAY {
            mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        }
    }
    no_huge_pages();
}

/// Linux's `PR_SET_THP_DISABLE`: no transparent huge page for this
/// process's later faults, madvised or not. A kernel without it returns
/// an error, which changes nothing, so the result is not checked.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    extern "C" {
        fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
    }
    const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
    // SAFETY: prctl with an integer option and integer arguments only.
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Trees as deep as Go allows (100,000 levels) are walked and freed
    // recursively, here as on the parse threads: run on a stack sized for
    // them. The memory is only reserved; a thread that cannot be started
    // is an error, not a crash.
    let worker = std::thread::Builder::new()
        .name("letgo".into())
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .spawn(move || run(&cli));
    match worker.map(|w| w.join()) {
        // A report that could not be written is no report: exit 2.
        Ok(Ok(_)) if console::failed() => ExitCode::from(2),
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("letgo: cannot start the main thread: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &cli::Cli) -> ExitCode {
    let result = match &cli.command {
        cli::Command::Check(args) => commands::check::run(args),
        cli::Command::Rule(args) => commands::rule::run(args),
        cli::Command::Parse(args) => commands::parse::run(args),
        cli::Command::Profile(args) => commands::profile::run(args),
        cli::Command::Diff(args) => commands::diff::run(args),
        cli::Command::Watch(args) => commands::watch::run(args),
        cli::Command::Test(args) => commands::test::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("letgo: {err:#}");
            ExitCode::from(2)
        }
    }
}
