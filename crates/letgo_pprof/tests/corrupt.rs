//! Broken and hostile inputs: every one must give an error that names the
//! input, the position and what was expected, and none may panic.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use flate2::write::GzEncoder;
use flate2::Compression;
use letgo_pprof::{
    decode, proto, read, read_all, DecodeOptions, Document, Error, ErrorKind, GoroutineDump,
    Position, Profile,
};

fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn decode_err(name: &str, bytes: &[u8]) -> Error {
    match decode(name, bytes, &DecodeOptions::default()) {
        Ok(doc) => panic!("{name}: expected an error, decoded {doc:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(text.starts_with(name), "{text}");
            assert!(text.contains("expected"), "{text}");
            e
        }
    }
}

#[test]
fn truncated_gzip_names_the_compressed_offset() {
    let gz = fixture("go1.27/heap.pb.gz");
    let cut = gz.len() / 2;
    let err = decode_err("heap.pb.gz", &gz[..cut]);
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
    assert_eq!(err.position, Position::Compressed(cut as u64), "{err}");
    // Cutting off only the trailer (CRC and size) is caught too.
    let err = decode_err("heap.pb.gz", &gz[..gz.len() - 4]);
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
}

#[test]
fn corrupt_gzip_is_a_gzip_error() {
    let mut gz = fixture("go1.27/goroutine.pb.gz");
    for b in gz.iter_mut().skip(20).take(40) {
        *b ^= 0x5a;
    }
    let err = decode_err("goroutine.pb.gz", &gz);
    assert!(
        matches!(err.position, Position::Compressed(n) if n > 0),
        "{err}"
    );
    assert!(
        matches!(err.kind, ErrorKind::Gzip | ErrorKind::Truncated),
        "{err}"
    );
}

#[test]
fn truncated_protobuf_names_the_offset() {
    let raw = read_all(
        "goroutine.pb.gz",
        fixture("go1.27/goroutine.pb.gz").as_slice(),
        &DecodeOptions::default(),
    )
    .expect("decompresses");
    let cut = raw.len() / 2;
    let err = decode_err("goroutine.pb", &raw[..cut]);
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
    assert!(err.offset().is_some_and(|o| o <= cut as u64), "{err}");
    // Every prefix decodes or fails cleanly.
    for cut in 1..raw.len() {
        let _ = decode("prefix", &raw[..cut], &DecodeOptions::default());
    }
}

#[test]
fn wrong_wire_type_is_named() {
    // Field 2 (sample) as a varint instead of a message.
    let err =
        Profile::decode("bad.pb", &[0x10, 0x01], &DecodeOptions::default()).expect_err("invalid");
    assert_eq!(err.kind, ErrorKind::Syntax, "{err}");
    assert_eq!(err.position, Position::Byte(1), "{err}");
    assert!(err.expected.contains("sample"), "{err}");
}

#[test]
fn dangling_references_are_invalid() {
    let raw = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        sample: vec![proto::Sample {
            location_id: vec![5],
            value: vec![1],
            label: vec![],
        }],
        string_table: vec![b"".to_vec(), b"goroutine".to_vec(), b"count".to_vec()],
        ..Default::default()
    };
    let name: Arc<str> = "dangling.pb".into();
    let err = Profile::from_raw(&name, raw.clone()).expect_err("dangling location");
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.expected.contains("location id 5"), "{err}");
    let mut bad_string = raw;
    bad_string.sample[0].location_id.clear();
    bad_string.sample_type[0].unit = 99;
    let err = Profile::from_raw(&name, bad_string).expect_err("string index");
    assert!(err.expected.contains("index 99"), "{err}");
}

#[test]
fn garbage_text_is_an_unknown_format() {
    let err = decode_err("notes.txt", b"hello, this is not a profile\nat all\n");
    assert_eq!(err.kind, ErrorKind::UnknownFormat);
    assert_eq!(err.position, Position::Line { line: 1, byte: 0 });
    assert!(
        err.expected.contains("hello, this is not a profile"),
        "{err}"
    );
    let err = decode_err("empty", b"");
    assert_eq!(err.kind, ErrorKind::Truncated);
    // Gzipped garbage: the same, after decompression.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(b"<html>502 Bad Gateway</html>\n")
        .expect("write");
    let err = decode_err("page.gz", &enc.finish().expect("finish"));
    assert_eq!(err.kind, ErrorKind::UnknownFormat);
}

#[test]
fn truncated_traceback_names_the_line() {
    let text = fixture("go1.27/goroutine.debug2.txt");
    let text = String::from_utf8(text).expect("utf-8");
    // Cut right after a frame's function line, before its file line.
    let cut = text.find("main.leakyWorker(").expect("frame");
    let end = cut + text[cut..].find('\n').expect("newline") + 1;
    let lines_before = text[..end].lines().count() as u64;
    let mut goroutines = 0;
    let mut error = None;
    for item in letgo_pprof::GoroutineDumpReader::new("dump.txt", &text.as_bytes()[..end]) {
        match item {
            Ok(_) => goroutines += 1,
            Err(e) => error = Some(e),
        }
    }
    assert!(
        goroutines >= 1,
        "the goroutines before the cut are still yielded"
    );
    let err = error.expect("an error at the cut");
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
    assert_eq!(
        err.position,
        Position::Line {
            line: lines_before + 1,
            byte: end as u64
        },
        "{err}"
    );
    assert!(err.expected.contains("file:line"), "{err}");
}

#[test]
fn garbled_traceback_line_is_a_syntax_error() {
    let text = "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1\n!!! what is this\n";
    let err = GoroutineDump::parse("dump.txt", text.as_bytes()).expect_err("garbled");
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert_eq!(err.position, Position::Line { line: 4, byte: 54 });
    assert!(err.to_string().contains("!!! what is this"), "{err}");
    let text = "goroutine 1 [running]:\nmain.main()\nnot a file line\n";
    let err = GoroutineDump::parse("dump.txt", text.as_bytes()).expect_err("no tab");
    assert_eq!(err.position, Position::Line { line: 3, byte: 35 });
}

#[test]
fn garbled_debug1_and_heap_text() {
    let err = decode_err("g.txt", b"goroutine profile: total 3\n3 @ 0x1 0xZZ\n");
    assert_eq!(
        (err.kind, err.position),
        (ErrorKind::Syntax, Position::Line { line: 2, byte: 27 })
    );
    let err = decode_err(
        "g.txt",
        b"goroutine profile: total 3\n3 @ 0x1\n# labels: {oops}\n",
    );
    assert_eq!(err.position, Position::Line { line: 3, byte: 35 });
    let err = decode_err(
        "h.txt",
        b"heap profile: 1: 2 [3: 4] @ heap/8\n1: 2 [3 4] @ 0x1\n",
    );
    assert_eq!(err.position, Position::Line { line: 2, byte: 35 });
    let err = decode_err("h.txt", b"heap profile: oops\n");
    assert_eq!(err.position, Position::Line { line: 1, byte: 0 });
}

/// Yields a gzip member holding the start of a protobuf profile whose string
/// table claims 2 GiB, then `copies` members of compressed zeros to fill it,
/// without ever holding the decompressed data.
struct GzipBomb {
    head: Vec<u8>,
    member: Vec<u8>,
    copies: usize,
    pos: usize,
}

impl Read for GzipBomb {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.head.is_empty() {
            let n = buf.len().min(self.head.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            return Ok(n);
        }
        if self.copies == 0 {
            return Ok(0);
        }
        let n = buf.len().min(self.member.len() - self.pos);
        buf[..n].copy_from_slice(&self.member[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.member.len() {
            self.pos = 0;
            self.copies -= 1;
        }
        Ok(n)
    }
}

#[test]
fn gzip_bomb_stops_at_the_cap() {
    const MEMBER: u64 = 16 << 20;
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    std::io::copy(&mut std::io::repeat(0).take(MEMBER), &mut enc).expect("compress");
    let member = enc.finish().expect("finish");
    let copies = ((2u64 << 30) / MEMBER) as usize; // 2 GiB of zeros in all
                                                   // Field 6 (string_table), length-delimited, 2 GiB long.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&[0x0a, 0x00, 0x32, 0x80, 0x80, 0x80, 0x80, 0x08])
        .expect("write");
    let head = enc.finish().expect("finish");
    let bomb = GzipBomb {
        head,
        member,
        copies,
        pos: 0,
    };
    let options = DecodeOptions {
        max_decoded_bytes: 1 << 20,
    };
    let err = read("bomb.pb.gz", std::io::BufReader::new(bomb), &options).expect_err("capped");
    assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
    assert_eq!(err.position, Position::Byte(1 << 20), "{err}");
    assert!(
        err.to_string().starts_with("bomb.pb.gz: byte 1048576"),
        "{err}"
    );
    // The cap applies to plain input as well.
    let big = vec![b'x'; 4096];
    let err = read_all(
        "big.txt",
        big.as_slice(),
        &DecodeOptions {
            max_decoded_bytes: 1000,
        },
    )
    .expect_err("capped");
    assert_eq!(
        (err.kind, err.position),
        (ErrorKind::TooLarge, Position::Byte(1000))
    );
}

#[test]
fn plain_dumps_stream_past_the_cap_and_gzipped_ones_stop() {
    let mut dump = String::new();
    for id in 1..=2000 {
        dump.push_str(&format!(
            "goroutine {id} [select]:\nmain.f()\n\t/a.go:1 +0x1\n\n"
        ));
    }
    let options = DecodeOptions {
        max_decoded_bytes: 10_000,
    };
    assert!(dump.len() > 10_000);
    // A plain dump is streamed in bounded memory, so its size is no threat.
    let Ok(Document::Goroutines(d)) = read("dump.txt", dump.as_bytes(), &options) else {
        panic!("a plain dump past the cap should read");
    };
    assert_eq!(d.goroutines.len(), 2000);
    // A gzipped one may be a bomb: the cap holds.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(dump.as_bytes()).expect("write");
    let gz = enc.finish().expect("finish");
    let err = read("dump.txt.gz", gz.as_slice(), &options).expect_err("capped");
    assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
}

#[test]
fn flipped_bytes_never_panic() {
    let files = [
        "go1.27/goroutine.pb.gz",
        "go1.27/heap.pb.gz",
        "go1.27/goroutine.debug1.txt",
        "go1.27/goroutine.debug2.txt",
        "go1.26/goroutine.debug2.txt",
        "go1.27/heap.debug1.txt",
        "go1.27/sigquit.txt",
    ];
    let raw_profile = read_all(
        "p",
        fixture("go1.27/heap.pb.gz").as_slice(),
        &DecodeOptions::default(),
    )
    .expect("decompresses");
    let mut inputs: Vec<Vec<u8>> = files.iter().map(|f| fixture(f)).collect();
    inputs.push(raw_profile);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for input in &inputs {
        for _ in 0..150 {
            let mut bytes = input.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % bytes.len() as u64) as usize;
                bytes[at] = (seed >> 32) as u8;
            }
            if let Ok(Document::Goroutines(d)) = decode("mutant", &bytes, &DecodeOptions::default())
            {
                assert!(d.goroutines.len() < 10_000);
            }
        }
    }
}
