//! Parse speed over all of `$(go env GOROOT)/src`, on one thread and on all
//! cores, against `gofmt -l` over the same tree measured in the same run.
//!
//! Run: `cargo bench -p letgo_go --bench parse_goroot` (or `bench/parse`).
//! Target (issue 2): >= 40 MB/s on one core, and faster than `gofmt -l`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let go = std::env::var_os("LETGO_GO")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/go/bin/go"));
    let Ok(out) = Command::new(&go).args(["env", "GOROOT"]).output() else {
        eprintln!(
            "no Go toolchain at {}; run scripts/test first",
            go.display()
        );
        std::process::exit(2);
    };
    let goroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let src_dir = goroot.join("src");
    let files = go_files(&src_dir);
    let sources: Vec<String> = files
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned())
        .collect();
    let bytes: usize = sources.iter().map(String::len).sum();
    let lines: usize = sources.iter().map(|s| s.lines().count()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "{} files, {:.1} MB, {} lines under {}",
        files.len(),
        mb,
        lines,
        src_dir.display()
    );

    let one = best_of(3, || parse_all(&sources, 1));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all = best_of(3, || parse_all(&sources, threads));
    // Reading files as well, as gofmt does, for a like-for-like ratio.
    let read_and_parse = best_of(3, || {
        let t = Instant::now();
        par_chunks(&files, threads, |f| {
            let s = std::fs::read(f).unwrap();
            letgo_go::parse_file(&String::from_utf8_lossy(&s))
                .errors
                .len()
        });
        t.elapsed().as_secs_f64()
    });
    let gofmt = goroot.join("bin/gofmt");
    let gofmt_time = best_of(3, || {
        let t = Instant::now();
        let _ = Command::new(&gofmt).arg("-l").arg(&src_dir).output();
        t.elapsed().as_secs_f64()
    });

    println!(
        "parse, 1 thread:        {:7.3} s  {:6.1} MB/s  {:9.0} lines/s",
        one,
        mb / one,
        lines as f64 / one
    );
    println!(
        "parse, {threads} threads:       {:7.3} s  {:6.1} MB/s  {:9.0} lines/s",
        all,
        mb / all,
        lines as f64 / all
    );
    println!("read+parse, {threads} threads:  {:7.3} s", read_and_parse);
    println!("gofmt -l (reference):   {:7.3} s", gofmt_time);
    println!(
        "ratio gofmt -l / letgo read+parse: {:.1}x",
        gofmt_time / read_and_parse
    );
}

fn parse_all(sources: &[String], threads: usize) -> f64 {
    let t = Instant::now();
    par_chunks(sources, threads, |s| letgo_go::parse_file(s).errors.len());
    t.elapsed().as_secs_f64()
}

fn par_chunks<T: Sync>(items: &[T], threads: usize, f: impl Fn(&T) -> usize + Sync) -> usize {
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let hs: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                std::thread::Builder::new()
                    .stack_size(letgo_go::PARSE_STACK_SIZE)
                    .spawn_scoped(s, move || part.iter().map(f).sum::<usize>())
                    .unwrap()
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

fn best_of(n: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..n).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && p.extension().is_some_and(|x| x == "go") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
