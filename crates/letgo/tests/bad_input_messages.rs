//! What `letgo profile` says about inputs it cannot read: one line that
//! names the expected format and what was found, never raw bytes or the
//! same words twice; and a `debug=2` dump cut short (as Go cuts one at
//! 64 MB) is read up to the cut, with a warning.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn letgo(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run letgo")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../letgo_pprof/tests/fixtures/go1.27")
        .join(name)
}

/// No run of five words appears twice (the "…stream): …stream" kind).
fn repeats(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut seen = std::collections::HashSet::new();
    words
        .windows(5)
        .map(|w| w.join(" "))
        .find(|w| !seen.insert(w.clone()))
}

#[test]
fn each_bad_input_is_one_line_naming_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        name.to_string()
    };
    let elf = std::fs::read(env!("CARGO_BIN_EXE_letgo")).unwrap();
    let mut bomb = b"\x0a".to_vec();
    bomb.resize(3 << 20, 0);
    let truncated = gzip(&std::fs::read(fixture("goroutine.debug2.txt")).unwrap());
    let cases = [
        (write("elf", &elf[..4096]), "found an ELF binary"),
        (
            write("bomb.gz", &gzip(&bomb)),
            "found gzip data that decompresses past it",
        ),
        (
            write(
                "page.html",
                b"<!DOCTYPE html>\n<html><body>Sign in</body></html>\n",
            ),
            "found an HTML page",
        ),
        (
            write("page.html.gz", &gzip(b"<html><body>Sign in</body></html>")),
            "found gzip data holding an HTML page",
        ),
        (
            write(
                "noise.bin",
                &[0x93, 0x01, 0xff, 0x00, 0x10, 0x7f, 0x80, 0x81],
            ),
            "found binary data of no known format (first bytes 93 01 ff 00 10 7f 80 81)",
        ),
        (
            write("cut.gz", &truncated[..truncated.len() / 2]),
            "truncated input",
        ),
    ];
    for (file, expected) in cases {
        let out = letgo(&["profile", &file, "--max-decoded-mib", "1"], dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.trim_end();
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert_eq!(line.lines().count(), 1, "{file}: one line: {err}");
        assert!(line.starts_with(&format!("letgo: {file}: ")), "{line}");
        assert!(
            line.contains(expected),
            "{file}: expected {expected:?} in {line}"
        );
        assert!(!line.contains("\\u{"), "{file}: raw bytes in {line}");
        assert!(line.len() < 400, "{file}: {} bytes: {line}", line.len());
        assert_eq!(repeats(line), None, "{file}: {line}");
    }
}

#[test]
fn a_dump_cut_short_is_read_up_to_the_cut_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("goroutine.debug2.txt")).unwrap();
    let whole = letgo(
        &["profile", fixture("goroutine.debug2.txt").to_str().unwrap()],
        dir.path(),
    );
    // Cut in the middle of a line of the last third.
    let at = text.len() * 2 / 3;
    let at = at + text[at..].find(".go:").unwrap() + 2;
    std::fs::write(dir.path().join("cut.txt"), &text[..at]).unwrap();
    let out = letgo(&["profile", "cut.txt"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cut.txt: cut short at line"), "{err}");
    assert!(err.contains("before the cut"), "{err}");
    let count = |stderr: &[u8]| -> u64 {
        let s = String::from_utf8_lossy(stderr);
        let i = s.find("snapshot(s) (").expect("the summary") + "snapshot(s) (".len();
        s[i..].split(' ').next().unwrap().parse().unwrap()
    };
    let (read, all) = (count(&out.stderr), count(&whole.stderr));
    assert!(read > 0 && read < all, "read {read} of {all}");
}
