//! `letgo watch` and `letgo profile URL` against targets that fail: one
//! that refuses connections, one that answers 404 or an HTML page, one
//! that accepts and never answers, one that drips a byte a second. Each
//! run must end by its deadline, exit 2 and say why.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How a fake target answers every request.
#[derive(Clone, Copy)]
enum Target {
    /// `404 Not Found`.
    NotFound,
    /// `200 OK` with a login page.
    Html,
    /// Reads the request and never answers.
    Hang,
    /// Sends a response one byte a second, forever.
    Drip,
}

/// Serves `target` on a fresh port until the test process ends; returns
/// the base URL.
fn serve(target: Target) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || answer(conn, target));
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn answer(mut conn: TcpStream, target: Target) {
    let mut buf = [0u8; 4096];
    let _ = conn.read(&mut buf);
    let reply: &[u8] = match target {
        Target::NotFound => b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        Target::Html => {
            b"HTTP/1.0 200 OK\r\n\r\n<!DOCTYPE html><html><body>please log in</body></html>\n"
        }
        Target::Hang => {
            std::thread::sleep(Duration::from_secs(120));
            return;
        }
        Target::Drip => {
            let text = b"HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n";
            for byte in text.iter().chain(std::iter::repeat(&0u8)) {
                if conn.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            return;
        }
    };
    let _ = conn.write_all(reply);
}

/// A URL on which nothing listens.
fn refusing() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn letgo(args: &[&str], cwd: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run letgo");
    (out, started.elapsed())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `letgo watch URL` for two samples, 200 ms apart; and `letgo profile`
/// of the run folder it wrote.
fn watch_twice(url: &str) -> (Output, Output) {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "watch",
        url,
        "--every",
        "200ms",
        "--samples",
        "2",
        "--timeout",
        "1s",
        "--out",
        "run",
    ];
    let watched = letgo(&args, dir.path()).0;
    let reread = letgo(&["profile", "run"], dir.path()).0;
    (watched, reread)
}

#[test]
fn a_watch_that_reads_no_sample_fails_and_says_why() {
    let cases = [
        (refusing(), "heap: failed 2 time(s): cannot connect"),
        (
            serve(Target::NotFound),
            "heap: failed 2 time(s): not served (HTTP 404)",
        ),
        (serve(Target::Html), "heap: failed 2 time(s): unreadable: "),
    ];
    for (url, reason) in cases {
        let (out, reread) = watch_twice(&url);
        let err = stderr(&out);
        assert_eq!(
            reread.status.code(),
            Some(2),
            "profile DIR: {}",
            stderr(&reread)
        );
        assert!(stderr(&reread).contains("no sample could be read"));
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(
            err.contains("no sample could be read (2 attempted)"),
            "{err}"
        );
        assert!(err.contains(reason), "{url}: expected {reason:?} in {err}");
        assert!(!err.contains("0 finding(s)"), "{err}");
        assert!(out.stdout.is_empty(), "no report on stdout: {err}");
    }
}

#[test]
fn profile_of_a_failing_url_fails_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for url in [refusing(), serve(Target::NotFound), serve(Target::Html)] {
        let (out, _) = letgo(&["profile", &url], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains(&url), "the error names the URL: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn watch_for_ends_at_its_time_whatever_the_target_does() {
    for (url, why) in [
        (
            serve(Target::Hang),
            "while waiting for the response headers",
        ),
        (
            serve(Target::Drip),
            "while waiting for the response headers",
        ),
        (refusing(), "cannot connect"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        // A request timeout longer than the run: --for must cut it.
        let args = [
            "watch",
            &url,
            "--every",
            "1s",
            "--for",
            "3s",
            "--timeout",
            "10s",
        ];
        let (out, took) = letgo(&args, dir.path());
        let err = stderr(&out);
        assert!(took < Duration::from_secs(4), "{url}: took {took:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains("no sample could be read"), "{err}");
        assert!(err.contains(why), "{url}: expected {why:?} in {err}");
    }
}

#[test]
fn a_request_timeout_says_how_long_and_while_doing_what() {
    let url = serve(Target::Drip);
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "watch",
        &url,
        "--every",
        "1s",
        "--samples",
        "1",
        "--timeout",
        "1500ms",
    ];
    let (out, took) = letgo(&args, dir.path());
    let err = stderr(&out);
    assert!(took < Duration::from_secs(3), "took {took:?}: {err}");
    assert!(
        err.contains(
            "heap: failed 1 time(s): timed out after 1.5 s while waiting for the response headers"
        ),
        "{err}"
    );
}

#[test]
fn profile_url_timeout_covers_connect_headers_and_body() {
    let dir = tempfile::tempdir().unwrap();
    for (url, why) in [
        (
            serve(Target::Hang),
            "timed out after 2 s while waiting for the response headers",
        ),
        (
            serve(Target::Drip),
            "timed out after 2 s while waiting for the response headers",
        ),
        (
            format!("{}/debug/pprof/heap", serve(Target::Hang)),
            "timed out after 2 s",
        ),
    ] {
        let (out, took) = letgo(&["profile", &url, "--timeout", "2s"], dir.path());
        let err = stderr(&out);
        assert!(took < Duration::from_secs(3), "{url}: took {took:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains(why), "{url}: expected {why:?} in {err}");
        assert!(err.contains(&url), "names the URL: {err}");
    }
}
