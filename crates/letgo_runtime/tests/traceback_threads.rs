//! A big dump read in chunks on several threads gives exactly what reading
//! it one goroutine at a time gives: the same groups in the same order,
//! counts, minutes, labels, ids, and the same error at the same line.

use std::fmt::Write;
use std::path::PathBuf;

use letgo_pprof::GoroutineDumpReader;
use letgo_runtime::{GoroutineSnapshot, GoroutineSource, GroupBy};

/// Every traceback the Go runtimes of the fixtures printed: `debug=2`
/// dumps, panics and SIGQUIT dumps (whose preambles and register dumps land
/// between goroutines here, as junk both readers must skip alike).
fn real_tracebacks() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../letgo_pprof/tests/fixtures");
    let mut texts = Vec::new();
    for version in ["go1.21", "go1.22", "go1.26", "go1.27"] {
        for file in [
            "goroutine.debug2.txt",
            "panic.txt",
            "panic_system.txt",
            "sigquit.txt",
        ] {
            let path = root.join(version).join(file);
            let text = std::fs::read_to_string(&path).expect("fixture");
            texts.push(text);
        }
    }
    texts
}

/// `copies` of every fixture, goroutine ids renumbered per copy, with
/// goroutines that carry more distinct label values than a group keeps.
fn big_dump(copies: usize) -> String {
    let texts = real_tracebacks();
    let mut dump = String::new();
    for copy in 0..copies {
        for text in &texts {
            for line in text.lines() {
                match line
                    .strip_prefix("goroutine ")
                    .and_then(|r| r.split_once(' '))
                {
                    Some((id, rest)) if id.parse::<u64>().is_ok() => {
                        let id: u64 = id.parse().unwrap_or(0);
                        let _ = writeln!(dump, "goroutine {} {rest}", id + 1_000 * copy as u64);
                    }
                    _ => {
                        dump.push_str(line);
                        dump.push('\n');
                    }
                }
            }
            dump.push('\n');
        }
        let _ = write!(
            dump,
            "goroutine {} [select, {} minutes] {{request: r{}}}:\nmain.serve(...)\n\t/src/main.go:9\n\n",
            9_000_000 - copy,
            copy % 7,
            (copy * 7919) % 1000
        );
    }
    dump
}

fn one_at_a_time(name: &str, text: &str) -> letgo_pprof::Result<GoroutineSnapshot> {
    let mut snapshot = GoroutineSnapshot::new(name, GoroutineSource::Traceback, GroupBy::Stack);
    for g in GoroutineDumpReader::new(name, text.as_bytes()) {
        snapshot.add_goroutine(&g?);
    }
    Ok(snapshot)
}

fn in_chunks(name: &str, text: &str) -> letgo_pprof::Result<GoroutineSnapshot> {
    let reader = GoroutineDumpReader::new(name, text.as_bytes());
    GoroutineSnapshot::from_traceback_on(reader, name, GroupBy::Stack, 3)
}

#[test]
fn chunks_on_threads_read_like_one_goroutine_at_a_time() {
    let dump = big_dump(40);
    assert!(
        dump.len() > 3 * letgo_pprof::CHUNK_BYTES,
        "{} bytes",
        dump.len()
    );
    let slow = one_at_a_time("d", &dump).expect("parses");
    // Three threads whatever the machine has, so that the merge is tested.
    let fast = in_chunks("d", &dump).expect("parses");
    assert_eq!(fast.total, slow.total);
    assert!(slow.total > 10_000, "{}", slow.total);
    assert_eq!(fast.groups.len(), slow.groups.len());
    for (f, s) in fast.groups.iter().zip(&slow.groups) {
        assert_eq!(f, s);
    }
    let served = slow
        .groups
        .iter()
        .find(|g| {
            g.frames
                .first()
                .is_some_and(|f| &*f.function == "main.serve")
        })
        .expect("the labelled group");
    assert_eq!(served.count, 40);
    assert_eq!(served.labels.sets.len(), 16);
    assert_eq!(
        served.labels.sets.values().sum::<u64>() + served.labels.other,
        40
    );
    assert_eq!(served.minutes, Some((0, 6)));
}

#[test]
fn an_error_deep_in_a_big_dump_names_the_same_line() {
    let mut dump = big_dump(30);
    let at = dump.len() * 2 / 3;
    let header = at + dump[at..].find("\ngoroutine ").expect("a header") + 1;
    let body = header + dump[header..].find('\n').expect("a line") + 1;
    dump.insert_str(body, "main.broken(0x1)\n\n");
    let slow = one_at_a_time("d", &dump).expect_err("broken");
    let fast = in_chunks("d", &dump).expect_err("broken");
    assert_eq!(fast.to_string(), slow.to_string());
    assert!(
        matches!(fast.position, letgo_pprof::Position::Line { line, .. } if line > 100_000),
        "{fast}"
    );
}

/// A dump cut at any byte (Go cuts `debug=2` at 64 MB, mid-line) is read
/// up to the cut, on one thread or several, with a warning; every
/// goroutine before the cut counts, the cut one does not.
#[test]
fn a_dump_cut_short_is_read_up_to_the_cut() {
    let dump = big_dump(30);
    let whole = one_at_a_time("d", &dump).expect("parses").total;
    for fraction in [0.31, 0.77, 0.999] {
        let mut at = (dump.len() as f64 * fraction) as usize;
        while !dump.is_char_boundary(at) {
            at -= 1;
        }
        let cut = &dump[..at];
        // The goroutines whose blocks ended (blank line) before the cut.
        let complete = cut.matches("\n\ngoroutine ").count() as u64;
        let fast = in_chunks("d", cut).expect("read to the cut");
        let reader = GoroutineDumpReader::new("d", cut.as_bytes());
        let slow = GoroutineSnapshot::from_traceback_on(reader, "d", GroupBy::Stack, 1)
            .expect("read to the cut");
        assert_eq!(fast.total, slow.total, "at {at}");
        assert!(
            fast.total > 0 && fast.total < whole,
            "at {at}: {}",
            fast.total
        );
        assert!(
            fast.total.abs_diff(complete) <= 1,
            "at {at}: {} read, about {complete} before the cut",
            fast.total
        );
        for s in [&fast, &slow] {
            assert_eq!(
                s.warnings.len(),
                1,
                "{:?} {:?}",
                s.warnings,
                &cut[cut.len() - 200..]
            );
            assert!(
                s.warnings[0].contains("cut short at line"),
                "{:?}",
                s.warnings
            );
        }
    }
}
